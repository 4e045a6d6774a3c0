/** Drills on the network front and the configuration: reloads, CRLs, refused peers. */
import type { Drill } from './drill.js';

export const networkDrills: Drill[] = [];
