import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createCa, issueClientCertificate, issueServerCertificate, MAX_LEAF_DAYS } from '../pki/issuer.js';
import { type CliCommand, UsageError } from './command.js';

const USAGE = [
  'linux-patch-api pki ca --dir DIR [--name NAME] [--days N]',
  '       linux-patch-api pki server --dir DIR --host NAME[,NAME…] [--days N]',
  '       linux-patch-api pki client --dir DIR --cn NAME [--days N]',
].join('\n');

const HELP = `A small certificate authority for hosts without a PKI. Every file goes into --dir; keys are
written 0600 and nothing that exists is overwritten.

  ca      ca.pem and ca.key: a self-signed CA (ECDSA P-256), valid --days (default 3650)
  server  server.pem and server.key for the agent, signed by DIR/ca.pem: serverAuth, a
          subjectAltName for each --host (names and addresses), at most ${MAX_LEAF_DAYS} days (default 365)
  client  NAME.pem and NAME.key for an API client (certificate CN = NAME), signed by DIR/ca.pem:
          clientAuth, at most ${MAX_LEAF_DAYS} days (default 365), as the agent requires

Point tls.ca, tls.cert and tls.key at ca.pem, server.pem and server.key, list the clients'
addresses in the whitelist, and keep ca.key offline once the certificates are made.
Exit status: 0 = written, 1 = refused (a file exists, the CA is missing), 2 = usage error.`;

/** A CN that is also a safe file name. */
const CLIENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        dir: { type: 'string' },
        name: { type: 'string' },
        host: { type: 'string', multiple: true },
        cn: { type: 'string' },
        days: { type: 'string' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function days(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(/^\d+$/.test(text) && value >= 1 && value <= max)) throw new UsageError(`--days must be a whole number from 1 to ${max}`);
  return value;
}

class Refused extends Error {}

async function writeNew(path: string, content: string, mode: number): Promise<void> {
  try {
    await writeFile(path, content, { flag: 'wx', mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new Refused(`${path} exists; nothing was overwritten`);
    throw error;
  }
}

async function readCa(dir: string) {
  try {
    return { certPem: await readFile(join(dir, 'ca.pem'), 'utf8'), keyPem: await readFile(join(dir, 'ca.key'), 'utf8') };
  } catch {
    throw new Refused(`no CA in ${dir} (ca.pem and ca.key); make one with: linux-patch-api pki ca --dir ${dir}`);
  }
}

async function writePair(dir: string, base: string, pem: { certPem: string; keyPem: string }): Promise<string> {
  const certPath = join(dir, `${base}.pem`);
  // Both names are checked before either file is written.
  for (const path of [certPath, join(dir, `${base}.key`)]) {
    if (existsSync(path)) throw new Refused(`${path} exists; nothing was overwritten`);
  }
  await writeNew(join(dir, `${base}.key`), pem.keyPem, 0o600);
  await writeNew(certPath, pem.certPem, 0o644);
  const certificate = new X509Certificate(pem.certPem);
  return `${certPath}: ${certificate.subject.replace(/\n/g, ', ')}, valid until ${certificate.validTo}, SHA-256 ${certificate.fingerprint256}`;
}

export async function runPki(argv: string[], out: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
  const { values, positionals } = parse(argv);
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);
  if (action !== 'ca' && action !== 'server' && action !== 'client')
    throw new UsageError(action === undefined ? 'missing action: ca, server or client' : `unknown pki action: ${action}`);
  const dir = values.dir;
  if (dir === undefined) throw new UsageError('--dir DIR is required');
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (action === 'ca') {
      const ca = await createCa({ name: values.name ?? 'linux-patch-api CA', days: days(values.days, 3650, 36500) });
      out(await writePair(dir, 'ca', ca));
    } else if (action === 'server') {
      const hosts = (values.host ?? []).flatMap((host) => host.split(',')).filter((host) => host !== '');
      if (hosts.length === 0) throw new UsageError('--host NAME is required (the names and addresses clients connect to)');
      const lifetime = days(values.days, 365, MAX_LEAF_DAYS);
      const ca = await readCa(dir);
      out(
        await writePair(
          dir,
          'server',
          await issueServerCertificate({ ca, commonName: hosts[0] as string, hosts, days: lifetime }),
        ),
      );
    } else {
      const cn = values.cn;
      if (cn === undefined || !CLIENT_NAME.test(cn))
        throw new UsageError('--cn NAME is required: letters, digits, ".", "_" and "-" (it also names the files)');
      if (cn === 'ca' || cn === 'server') throw new UsageError(`--cn ${cn} would overwrite the ${cn} files`);
      const lifetime = days(values.days, 365, MAX_LEAF_DAYS);
      const ca = await readCa(dir);
      out(await writePair(dir, cn, await issueClientCertificate({ ca, commonName: cn, days: lifetime })));
    }
    return 0;
  } catch (error) {
    if (error instanceof Refused) {
      process.stderr.write(`pki ${action}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export const pkiCommand: CliCommand = {
  name: 'pki',
  summary: 'make a CA, the server certificate and client certificates the agent accepts',
  usage: USAGE,
  help: HELP,
  run: (argv) => runPki(argv),
};
