/** Drills on the network front and the configuration: reloads, CRLs, refused peers, cross-site requests. */

import { readFile, writeFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { parse, stringify } from 'yaml';
import { type AuditAgent, type AuditLine, startAuditAgent } from '../../test/e2e-audit/support.js';
import { daysFromNow, TestCa } from '../../test/support/pki.js';
import { drainedOrClosed, mtlsRequest, probeTls } from '../../test/support/tls-client.js';
import { waitFor } from '../../test/support/wait.js';
import type { Drill, DrillOutcome } from './drill.js';

/** Runs `drill` against a fresh agent process (fake package manager, file audit sink) and disposes it. */
async function withAgent(drill: (agent: AuditAgent) => Promise<DrillOutcome>): Promise<DrillOutcome> {
  const agent = await startAuditAgent({ sinks: ['file'] });
  try {
    await agent.waitForRecord('agent_start');
    return await drill(agent);
  } finally {
    await agent.dispose();
  }
}

function verdict(problems: string[], lost: string[]): DrillOutcome {
  return {
    result: problems.length === 0 ? 'handled' : problems.join('; '),
    lost: lost.length === 0 ? 'nothing' : lost.join('; '),
  };
}

async function writeConfigWith(agent: AuditAgent, change: (config: Record<string, unknown>) => void): Promise<void> {
  const config = parse(await readFile(agent.configPath, 'utf8')) as Record<string, unknown>;
  change(config);
  await writeFile(agent.configPath, stringify(config));
}

/** Runs one install and says what of its audit trail is missing from the file. */
async function mutationAudited(agent: AuditAgent, problems: string[], lost: string[]): Promise<void> {
  const res = await agent.request('POST', '/packages', { packages: [{ name: 'extra' }] });
  if (res.status !== 202) {
    problems.push(`install answered ${res.status}`);
    return;
  }
  const job = await agent.waitForJob(res.json.data.id);
  if (job.status !== 'completed') problems.push(`install ${job.status}`);
  const records = await agent.auditRecords();
  for (const event of ['job_intent', 'job_completed'])
    if (!records.some((r) => r.event === event && r.job_id === job.id)) lost.push(`${event} of the install`);
  if (!records.some((r) => r.event === 'api_request' && r.request_id === res.json.request_id))
    lost.push('api_request of the install');
}

const badLogDir: Drill = {
  name: 'reload: paths.log_dir = a file, /dev/null, /proc/lpa-log',
  run: () =>
    withAgent(async (agent) => {
      const problems: string[] = [];
      const lost: string[] = [];
      const file = join(agent.dir, 'a-file');
      await writeFile(file, 'x\n');
      for (const logDir of [file, '/dev/null', '/proc/lpa-log']) {
        await writeConfigWith(agent, (config) => {
          (config.paths as Record<string, unknown>).log_dir = logDir;
        });
        await agent
          .waitForRecord('config_reload', (r) => r.accepted === false && String(r.reason).includes(logDir), 10_000)
          .catch(() => problems.push(`${logDir} not refused`));
      }
      if ((await agent.auditRecords()).some((r) => r.event === 'config_reload' && r.accepted === true))
        problems.push('a bad log_dir was accepted');
      await mutationAudited(agent, problems, lost);
      const code = await agent.stop('SIGTERM');
      if (code !== 0) problems.push(`SIGTERM exit ${code}`);
      if (!(await agent.auditRecords()).some((r) => r.event === 'agent_stop')) lost.push('agent_stop');
      return verdict(problems, lost);
    }),
};

const badTlsPath: Drill = {
  name: 'reload: a TLS key path that does not exist',
  run: () =>
    withAgent(async (agent) => {
      const problems: string[] = [];
      await writeConfigWith(agent, (config) => {
        (config.tls as Record<string, unknown>).key = 'missing.key';
      });
      await agent
        .waitForRecord('config_reload', (r) => r.accepted === false && /tls: cannot read/.test(String(r.reason)), 10_000)
        .catch(() => problems.push('not refused'));
      const records = await agent.auditRecords();
      if (records.some((r) => r.event === 'config_reload' && r.accepted === true)) problems.push('config accepted in part');
      if (records.some((r) => r.event === 'cert_reload')) problems.push('cert_reload after the config');
      if ((await agent.request('GET', '/health')).status !== 200) problems.push('/health failed');
      return verdict(problems, []);
    }),
};

const staleCrl: Drill = {
  name: 'CRL past nextUpdate (openssl ca -gencrl)',
  run: () =>
    withAgent(async (agent) => {
      const problems: string[] = [];
      const revoked = await agent.pki.ca.issueClient({ cn: 'lost-laptop' });
      await writeFile(
        join(agent.dir, 'agent', 'stale-crl.pem'),
        agent.pki.ca.opensslCrl([revoked], { lastUpdate: daysFromNow(-40), nextUpdate: daysFromNow(-10) }),
      );
      await writeConfigWith(agent, (config) => {
        (config.tls as Record<string, unknown>).crl = 'stale-crl.pem';
      });
      await agent.waitForRecord('cert_reload', (r) => r.accepted === true, 10_000).catch(() => problems.push('CRL not loaded'));
      const health = await agent.request('GET', '/health');
      if (health.status !== 200) problems.push(`valid client locked out (${health.status})`);
      else if (health.json.data.status !== 'degraded' || !String(health.json.data.reasons).includes('crl_expired'))
        problems.push('/health does not say crl_expired');
      const probe = await probeTls({
        port: agent.process.port,
        ca: agent.pki.ca.certPem,
        cert: revoked.certPem,
        key: revoked.keyPem,
      });
      if (probe.httpBytes > 0) problems.push('revoked client served');
      const refusal = await agent
        .waitForRecord('auth_failure', (r) => r.cert_fingerprint === revoked.fingerprint256, 10_000)
        .catch(() => null);
      if (refusal?.reason !== 'revoked' || !String(refusal?.crl_condition).startsWith('crl_expired'))
        problems.push(`refusal audited as ${refusal?.reason}`);
      return verdict(problems, []);
    }),
};

const namedRefusals: Drill = {
  name: 'auth_failure reasons: foreign CA, expired, serverAuth-only',
  run: () =>
    withAgent(async (agent) => {
      const problems: string[] = [];
      const foreign = await (await TestCa.create({ name: 'Foreign CA' })).issueClient();
      const cases: Array<[string, { certPem: string; keyPem: string; fingerprint256: string }, string]> = [
        ['unknown_ca', foreign, '127.0.0.1'],
        ['expired', await agent.pki.ca.issueClient({ notBefore: daysFromNow(-30), notAfter: daysFromNow(-1) }), '127.0.0.1'],
        ['missing_client_auth_eku', await agent.pki.ca.issueClient({ extendedKeyUsages: ['1.3.6.1.5.5.7.3.1'] }), '127.0.0.1'],
      ];
      for (const [reason, cert] of cases) {
        await probeTls({ port: agent.process.port, ca: agent.pki.ca.certPem, cert: cert.certPem, key: cert.keyPem });
        const record = await agent
          .waitForRecord('auth_failure', (r) => r.cert_fingerprint === cert.fingerprint256, 10_000)
          .catch(() => null);
        if (record?.reason !== reason) problems.push(`${reason} audited as ${record?.reason}`);
      }
      return verdict(problems, []);
    }),
};

async function connectFrom(port: number, localAddress: string, count: number): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < count) {
      started += 1;
      await new Promise<void>((resolve) => {
        const socket = netConnect({ host: '127.0.0.1', port, localAddress });
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
      });
    }
  };
  await Promise.all(Array.from({ length: 50 }, worker));
}

const flood: Drill = {
  name: 'flood: 20,000 connects from 127.0.0.2',
  run: () =>
    withAgent(async (agent) => {
      const count = 20_000;
      await connectFrom(agent.process.port, '127.0.0.2', count);
      await agent.stop('SIGTERM');
      const denied = (await agent.auditRecords()).filter((r: AuditLine) => r.event === 'ip_denied' && r.ip === '127.0.0.2');
      const counted = denied.reduce((sum, r) => sum + (r.summary === true ? Number(r.count) : 1), 0);
      const bytes = denied.reduce((sum, r) => sum + JSON.stringify(r).length + 1, 0);
      const problems = denied.length > 4 ? [`${denied.length} records`] : [];
      const lost = counted === count ? [] : [`${count - counted} refusals uncounted`];
      const outcome = verdict(problems, lost);
      return { ...outcome, result: `${outcome.result} (${denied.length} records, ${bytes} bytes)` };
    }),
};

const crossSite: Drill = {
  name: 'cross-site: POST /patches/apply and WebSocket with a foreign Origin',
  run: () =>
    withAgent(async (agent) => {
      const problems: string[] = [];
      const eventsBefore = (await agent.fakePm.events()).length;
      const base = {
        port: agent.process.port,
        ca: agent.pki.ca.certPem,
        cert: agent.pki.client.certPem,
        key: agent.pki.client.keyPem,
      };
      const post = await mtlsRequest({
        ...base,
        method: 'POST',
        path: '/patches/apply',
        headers: { origin: 'https://evil.example' },
      });
      if (post.status !== 403) problems.push(`POST answered ${post.status}`);
      const upgrade = await new Promise<string>((resolve) => {
        const socket = tlsConnect({ host: '127.0.0.1', servername: 'localhost', ...base }, () =>
          socket.write(
            'GET /ws/jobs HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        );
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
        });
        socket.on('error', () => resolve(text));
        socket.on('close', () => resolve(text));
      });
      if (!upgrade.startsWith('HTTP/1.1 403')) problems.push(`WebSocket answered ${upgrade.split('\r\n')[0]}`);
      if ((await agent.fakePm.events()).length > eventsBefore) problems.push('the package manager ran');
      return verdict(problems, []);
    }),
};

const oversizedBody: Drill = {
  name: '413: a 100 MB body',
  run: () =>
    withAgent(async (agent) => {
      const declared = 100 * 1024 * 1024;
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: agent.process.port,
        servername: 'localhost',
        ca: agent.pki.ca.certPem,
        cert: agent.pki.client.certPem,
        key: agent.pki.client.keyPem,
      });
      let closed = false;
      let answer = '';
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        closed = true;
      });
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      socket.write(
        `POST /packages HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let written = 0;
      while (!closed && written < declared) {
        if (!socket.write(chunk)) await drainedOrClosed(socket);
        written += chunk.length;
      }
      await waitFor(() => closed, { what: 'the connection to close', timeoutMs: 30_000 });
      const problems: string[] = [];
      if (!answer.startsWith('HTTP/1.1 413')) problems.push(`answered ${answer.split('\r\n')[0]}`);
      if (written >= declared) problems.push('the whole body was read');
      const outcome = verdict(problems, []);
      return { ...outcome, result: `${outcome.result} (${(written / 1024 / 1024).toFixed(1)} MB sent before the close)` };
    }),
};

export const networkDrills: Drill[] = [badLogDir, badTlsPath, staleCrl, namedRefusals, flood, crossSite, oversizedBody];
