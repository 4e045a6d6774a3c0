import { verifyBackend } from '@linux-patch-api/core/testing';
import { apkBackendDefinition } from '../src/definition.js';
import { ApkTranscriptRunner, createApkRoot, readCaptured, silentLogger } from './transcripts.js';

// No apk binary exists on the test machine: the kit drives the backend through recorded
// apk-tools 2.14 transcripts (see transcripts.ts), including the install → remove round trip.
let root: Awaited<ReturnType<typeof createApkRoot>> | undefined;
let runner: ApkTranscriptRunner | undefined;

const transcriptIds = [
  'list-upgradable',
  'list-upgradable-with-pv',
  'simulate-add-tree',
  'simulate-del-first',
  'simulate-upgrade',
  'add-tree',
  'del-tree',
  'add-pv-pinned',
  'simulate-upgrade-pv',
  'upgrade-pv',
  'add-pv-pinned-downgrade',
  'del-pv',
  'update-ok',
  'fix-nothing',
];

verifyBackend({
  title: 'apk backend conformance (recorded apk-tools 2.14 transcripts)',
  async createBackend() {
    root = await createApkRoot();
    runner = await ApkTranscriptRunner.create(root.root, transcriptIds);
    return apkBackendDefinition.create({ root: root.root, runner, logger: silentLogger, stateDir: root.root });
  },
  recorder: {
    get invocations() {
      return runner?.invocations ?? [];
    },
  },
  fetchErrorOutputs: [
    `${await readCaptured('update-unreachable.stdout.txt')}${await readCaptured('update-unreachable.stderr.txt')}`,
    await readCaptured('upgrade-404.stderr.txt'),
  ],
  cleanOutputs: ['', await readCaptured('update-ok.txt'), await readCaptured('lock-busy.stderr.txt')],
  ascendingVersions: ['1.0_alpha1', '1.1_rc1', '1.1', '1.1-r1', '1.1_p1', '1.1a', '1.1.1', '1.2'],
  validNames: ['libstdc++', 'py3-pip', 'ssl_client'],
  validVersions: ['1.2.4_git20230717-r4', '2.3.0b-r1'],
  fixtures: [{ name: 'tree' }],
  upgradeFixture: { name: 'pv', from: '1.8.5-r0', to: '1.8.9-r0' },
  checkRefresh: true,
  checkRepair: true,
  async dispose() {
    await root?.dispose();
  },
});
