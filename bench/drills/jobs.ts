/** Drills on jobs: full state disks, killed agents, package-manager locks. */
import type { Drill } from './drill.js';

export const jobDrills: Drill[] = [];
