/**
 * Starts a fleet of real agents (see ../support/fleet.ts) for the collection's pytest suite, prints
 * one JSON line describing it, and keeps it running until stdin closes (the pytest fixture holds
 * the pipe, so the fleet goes away with the test process, however it ends).
 *
 *   node --conditions=lpa-source --import tsx test/ansible/fleet-launcher.ts --hosts 2 --install lpa-fixture-hello=1.0-1
 */
import { parseArgs } from 'node:util';
import { startAptFleet } from '../support/fleet.js';

const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1' },
    install: { type: 'string', multiple: true, default: [] },
    'first-octet': { type: 'string', default: '11' },
  },
});

const fleet = await startAptFleet({
  hosts: Number(values.hosts),
  install: values.install ?? [],
  firstOctet: Number(values['first-octet']),
});
process.stdout.write(
  `${JSON.stringify({
    port: fleet.port,
    client: fleet.client,
    hosts: fleet.hosts.map((host) => ({
      name: host.name,
      address: host.address,
      url: host.url,
      root: host.sandbox.root,
      apt_config: host.sandbox.aptConfig,
    })),
    repos: fleet.hosts[0]?.sandbox.repos ?? null,
  })}\n`,
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await fleet.stop();
  process.exit(0);
};
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
