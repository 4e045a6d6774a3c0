// Types for systemd-unit.mjs.
import type { PackageTarget } from './targets.mjs';

export function renderSystemdUnit(target: PackageTarget): string;
