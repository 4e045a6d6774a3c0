/**
 * Writes a development PKI into the directory given as the first argument (default `dev-pki/`):
 * ca.pem + ca.key, server.pem + server.key (localhost, 127.0.0.1, ::1), client.pem + client.key
 * (clientAuth, 365 days). For development only: the CA key lies next to the certificates.
 * Run by `npm start` (scripts/dev-start.mjs) when the PKI is missing or about to expire.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { daysFromNow, TestCa } from '../test/support/pki.js';

const dir = resolve(process.argv[2] ?? 'dev-pki');
await mkdir(dir, { recursive: true, mode: 0o700 });
const ca = await TestCa.create({ name: 'linux-patch-api development CA', notAfter: daysFromNow(3650) });
const server = await ca.issueServer({ cn: 'localhost', notAfter: daysFromNow(365) });
const client = await ca.issueClient({ cn: 'dev-admin', notAfter: daysFromNow(364) });
const files: [string, string, number][] = [
  ['ca.pem', ca.certPem, 0o644],
  ['ca.key', ca.keyPem, 0o600],
  ['server.pem', server.certPem, 0o644],
  ['server.key', server.keyPem, 0o600],
  ['client.pem', client.certPem, 0o644],
  ['client.key', client.keyPem, 0o600],
];
for (const [name, content, mode] of files) await writeFile(join(dir, name), content, { mode });
process.stdout.write(`development PKI written to ${dir} (client certificate CN=dev-admin, serial ${client.serial})\n`);
