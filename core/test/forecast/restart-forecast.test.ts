import assert from 'node:assert/strict';
import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostSharedLibrary, type MappingProcess, startMappingProcess } from '../../../test/support/processes.js';
import { addShell, makeSandboxDir } from '../../../test/support/sandbox/common.js';
import type { RebootFlag, RestartForecast, RestartForecasting } from '../../src/contracts/forecast.js';
import type { PlannedChange } from '../../src/contracts/job.js';
import { forecastMatched, forecastRestarts, measureOutcome } from '../../src/forecast/restart-forecast.js';

const LIBRARY = '/usr/lib/fx/libfx.so.1';
const UNIT = '/lib/systemd/system/fx.service';

/** A package database of two packages over a real root; the flag is what each test sets. */
function facetFor(flag: RebootFlag): RestartForecasting {
  const owned: Record<string, string[]> = { 'fx-lib': [LIBRARY, UNIT], 'linux-image-9': ['/boot/vmlinuz-9'] };
  return {
    rebootRules: async () => [{ pattern: 'linux-image-*', why: 'a new kernel' }],
    packageFiles: async (names) => new Map(names.filter((name) => owned[name]).map((name) => [name, owned[name] as string[]])),
    rebootFlag: async () => flag,
  };
}
const NO_FLAG: RebootFlag = { required: false, packages: [], source: '/run/reboot-required' };
const upgrade = (name: string): PlannedChange => ({ name, action: 'upgraded', from_version: '1', to_version: '2' });
const install = (name: string): PlannedChange => ({ name, action: 'installed', from_version: null, to_version: '2' });

let root: string;
let library: Uint8Array;
const started: MappingProcess[] = [];

before(async () => {
  root = join(makeSandboxDir('forecast'), 'root');
  await addShell(root);
  library = await hostSharedLibrary();
  await mkdir(join(root, 'usr/lib/fx'), { recursive: true });
  await writeFile(join(root, LIBRARY), library);
});
after(async () => {
  for (const process of started) await process.stop();
});

async function mapping(path: string, inRoot: string | null): Promise<MappingProcess> {
  const process = await startMappingProcess(path, inRoot);
  started.push(process);
  return process;
}

describe('forecast and outcome', () => {
  it("forecasts the root's processes mapping a replaced file, then finds them mapping the deleted file", async () => {
    const inside = await mapping(LIBRARY, root);
    const outside = await mapping(join(root, LIBRARY), null);
    const facet = facetFor(NO_FLAG);
    const { forecast, filesBefore } = await forecastRestarts(facet, root, [upgrade('fx-lib')]);
    assert.deepEqual(
      forecast.processes.map((p) => p.pid),
      [inside.pid],
      'only the process whose root is the root',
    );
    assert.deepEqual(forecast.services, ['fx.service']);
    assert.equal(forecast.reboot_required, false);

    const unchanged = await measureOutcome(facet, root, [upgrade('fx-lib')], filesBefore);
    assert.deepEqual(unchanged.processes, [], 'a file that was not replaced restarts nothing');

    await writeFile(join(root, `${LIBRARY}.new`), library);
    await rename(join(root, `${LIBRARY}.new`), join(root, LIBRARY));
    const outcome = await measureOutcome(facet, root, [upgrade('fx-lib')], filesBefore);
    assert.deepEqual(
      outcome.processes.map((p) => p.pid),
      [inside.pid],
    );
    assert.match(outcome.processes[0]?.reason ?? '', /replaced \/usr\/lib\/fx\/libfx\.so\.1 of fx-lib/);
    assert.deepEqual(outcome.services, ['fx.service']);
    assert.equal(forecastMatched(forecast, outcome), true);
    assert.ok(!outcome.processes.some((p) => p.pid === outside.pid));
  });

  it('a file the package database names through a directory symlink (merged /usr) is matched by its real path', async () => {
    const inside = await mapping(LIBRARY, root);
    await symlink('usr/lib', join(root, 'merged'));
    const facet: RestartForecasting = {
      ...facetFor(NO_FLAG),
      packageFiles: async () => new Map([['fx-lib', ['/merged/fx/libfx.so.1']]]),
    };
    const { forecast } = await forecastRestarts(facet, root, [upgrade('fx-lib')]);
    assert.ok(forecast.processes.some((p) => p.pid === inside.pid));
    assert.match(forecast.processes.find((p) => p.pid === inside.pid)?.reason ?? '', /maps \/merged\/fx\/libfx\.so\.1 of fx-lib/);
  });

  it('a new package is no restart: its units and files are not forecast, only its reboot rule', async () => {
    const { forecast } = await forecastRestarts(facetFor(NO_FLAG), root, [install('fx-lib'), install('linux-image-9')]);
    assert.deepEqual(forecast.services, []);
    assert.deepEqual(forecast.processes, []);
    assert.deepEqual(forecast.reasons, [{ package: 'linux-image-9', why: 'a new kernel' }]);
  });

  it("the package manager's reboot flag counts, naming its packages or none", async () => {
    const named = await forecastRestarts(
      facetFor({ required: true, packages: ['libc6'], source: '/run/reboot-required' }),
      root,
      [],
    );
    assert.deepEqual(named.forecast.reasons, [{ package: 'libc6', why: 'named in /run/reboot-required' }]);
    const bare = await forecastRestarts(facetFor({ required: true, packages: [], source: '/run/reboot-required' }), root, []);
    assert.deepEqual(bare.forecast.reasons, [{ package: null, why: '/run/reboot-required says a reboot is pending' }]);
    assert.equal(bare.forecast.reboot_required, true);
  });

  it('matched means equal reboot_required and no outcome service or process the forecast did not name', () => {
    const base: RestartForecast = {
      reboot_required: false,
      reasons: [],
      services: ['a.service', 'b.service'],
      processes: [{ pid: 10, command: 'x', reason: 'r' }],
    };
    assert.equal(forecastMatched(base, { ...base, services: ['a.service'], processes: [] }), true, 'a forecast may name more');
    assert.equal(forecastMatched(base, { ...base, reboot_required: true }), false);
    assert.equal(forecastMatched(base, { ...base, services: ['c.service'] }), false);
    assert.equal(forecastMatched(base, { ...base, processes: [{ pid: 11, command: 'y', reason: 'r' }] }), false);
  });
});
