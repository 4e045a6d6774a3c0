/**
 * `npm run bench -- drills`: reruns the fault drills against real agents (real TLS, real reloads,
 * sandbox roots) and prints a table of drill, result and what was lost. `-- drills NAME…` is not
 * supported by the bench runner; set DRILLS=substring to run only the matching drills.
 * Exits non-zero when a drill was not handled or lost something.
 */
import type { Drill, DrillOutcome } from './drills/drill.js';
import { jobDrills } from './drills/jobs.js';
import { networkDrills } from './drills/network.js';

const registry: Drill[] = [...networkDrills, ...jobDrills];
const filter = process.env['DRILLS'];
const selected = filter ? registry.filter((drill) => drill.name.includes(filter)) : registry;

const rows: Array<{ name: string } & DrillOutcome> = [];
for (const drill of selected) {
  process.stderr.write(`drill: ${drill.name}…\n`);
  try {
    rows.push({ name: drill.name, ...(await drill.run()) });
  } catch (error) {
    rows.push({ name: drill.name, result: `drill error: ${(error as Error).message}`, lost: 'unknown' });
  }
}

const headers = ['drill', 'result', 'lost'];
const cells = rows.map((row) => [row.name, row.result, row.lost]);
const widths = headers.map((header, column) => Math.max(header.length, ...cells.map((line) => line[column]!.length)));
const format = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
console.log(format(headers));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const line of cells) console.log(format(line));
const failed = rows.filter((row) => !row.result.startsWith('handled') || row.lost !== 'nothing');
console.log(`\n${rows.length - failed.length}/${rows.length} drills handled with nothing lost`);
if (failed.length > 0) process.exitCode = 1;
