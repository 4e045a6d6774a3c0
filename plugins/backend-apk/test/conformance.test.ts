import { verifyBackend } from '@linux-patch-api/core/testing';
import { type ApkRoot, ApkTranscriptRunner, createApkBackend, createApkRoot, realOutput } from './transcripts.js';

// No apk binary exists on the test machine: the kit drives the backend through real apk-tools
// 2.14.10 runs (see transcripts.ts) on an empty root. The install/remove and upgrade round trips
// need `--simulate add` runs that were not captured; backend.test.ts and jobs.test.ts drive those
// paths on the real add, add --upgrade, downgrade and del runs instead.
let root: ApkRoot | undefined;
let runner: ApkTranscriptRunner | undefined;

verifyBackend({
  title: 'apk backend conformance (real apk-tools 2.14.10 runs)',
  async createBackend() {
    root = await createApkRoot('installed-empty');
    runner = await ApkTranscriptRunner.create(root, ['list-upgradable-empty', 'simulate-upgrade-empty', 'force-refresh', 'fix']);
    return createApkBackend(root, runner);
  },
  recorder: {
    get invocations() {
      return runner?.invocations ?? [];
    },
  },
  fetchErrorOutputs: [
    await realOutput('p30-upgrade-404'),
    await realOutput('p31-update-unreach'),
    await realOutput('p31b-update-unreach-U'),
  ],
  cleanOutputs: [
    '',
    await realOutput('p22-update'),
    await realOutput('p26-update-aged'),
    await realOutput('p27-update-again'),
    await realOutput('p28-update-U'),
    await realOutput('p50-update-force-refresh'),
    await realOutput('p24-lock'),
    await realOutput('p21-add-badver'),
  ],
  ascendingVersions: ['1.0_alpha1', '1.0_rc1', '1.0', '1.0-r1', '1.0_p1', '1.0a', '1.0.1', '1.1_rc1', '1.1', '1.2'],
  validNames: ['libstdc++', 'py3-pip', 'ssl_client', 'lpa-fixture-hello'],
  validVersions: ['1.2.4_git20230717-r4', '2.3.0b-r1', '1.0-r0'],
  checkRefresh: true,
  checkRepair: true,
  // apk tells a missing version only by refusing the add (p21); jobs.test.ts replays that refusal.
  availabilityDecidedByApply: true,
  async dispose() {
    await root?.dispose();
  },
});
