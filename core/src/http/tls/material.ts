import { constants, createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { X509Crl } from '@peculiar/x509';
import { LpaError } from '../../errors.js';

export interface TlsPaths {
  ca: string;
  cert: string;
  key: string;
  crl: string | null;
}

/** Validated server TLS material: what the secure context is built from, and what it says. */
export interface TlsMaterial {
  readonly paths: TlsPaths;
  /** The complete option set for the server's secure context (see serverContextOptions). */
  readonly contextOptions: SecureContextOptions;
  readonly serverCertificate: X509Certificate;
  readonly caCertificates: readonly X509Certificate[];
  /** Serial numbers (upper-case hex, no leading zeros) the CRL revokes. Empty without a CRL. */
  readonly revokedSerials: ReadonlySet<string>;
  /** The CRL's nextUpdate (null without a CRL, or a CRL that names none). */
  readonly crlNextUpdate: Date | null;
}

/**
 * Why `next` must not replace `current`: its CRL is past nextUpdate while the CRL in force is
 * fresh (an older CRL copied back could lack newer revocations). Null when the swap is fine.
 */
export function crlRegression(next: TlsMaterial, current: TlsMaterial, now: Date = new Date()): string | null {
  const stale = crlCondition(next, now);
  if (stale === null || current.crlNextUpdate === null || crlCondition(current, now) !== null) return null;
  return `the new CRL is past its nextUpdate (${next.crlNextUpdate?.toISOString()}); the CRL in force (fresh until ${current.crlNextUpdate.toISOString()}) stays`;
}

/** The named condition of a CRL past its nextUpdate, or null while it is fresh (or there is none). */
export function crlCondition(material: TlsMaterial, now: Date = new Date()): string | null {
  if (material.crlNextUpdate === null || material.crlNextUpdate > now) return null;
  return `crl_expired: the CRL ${material.paths.crl} is past its nextUpdate (${material.crlNextUpdate.toISOString()}); its revocations stay enforced, newer ones are unknown`;
}

/** Upper-case hex without leading zeros, so serials from OpenSSL and from the CRL compare equal. */
export function normalizeSerial(serial: string): string {
  return serial
    .replace(/[^0-9a-fA-F]/g, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}

function splitPem(pem: string, label: string): string[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----[\\s\\S]+?-----END ${label}-----`, 'g');
  return pem.match(pattern) ?? [];
}

async function readMaterialFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new LpaError(
      'LPA_ERR_TLS_MATERIAL',
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

function parseCertificates(pem: string, what: string): X509Certificate[] {
  const blocks = splitPem(pem, 'CERTIFICATE');
  if (blocks.length === 0) throw new LpaError('LPA_ERR_TLS_MATERIAL', `the ${what} holds no PEM certificate`);
  return blocks.map((block) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new LpaError(
        'LPA_ERR_TLS_MATERIAL',
        `the ${what} holds a certificate that does not parse: ${(error as Error).message}`,
      );
    }
  });
}

function assertCurrentlyValid(certificate: X509Certificate, what: string, now: Date): void {
  if (new Date(certificate.validFrom) > now)
    throw new LpaError('LPA_ERR_TLS_MATERIAL', `the ${what} is not valid yet (from ${certificate.validFrom})`);
  if (new Date(certificate.validTo) <= now)
    throw new LpaError('LPA_ERR_TLS_MATERIAL', `the ${what} has expired (${certificate.validTo})`);
}

/** The server certificate must chain, through intermediates in its own file, to a configured CA. */
function assertChainsToCa(leaf: X509Certificate, intermediates: X509Certificate[], cas: X509Certificate[]): void {
  let current = leaf;
  for (let depth = 0; depth < 10; depth++) {
    const anchor = cas.find((ca) => current.checkIssued(ca) && current.verify(ca.publicKey));
    if (anchor !== undefined) return;
    const next = intermediates.find(
      (candidate) => candidate !== current && current.checkIssued(candidate) && current.verify(candidate.publicKey),
    );
    if (next === undefined) break;
    current = next;
  }
  throw new LpaError('LPA_ERR_TLS_MATERIAL', 'the server certificate does not chain to the configured CA');
}

/**
 * @peculiar/x509 (and the Reflect metadata API its tsyringe container needs) is loaded only when a
 * CRL is configured: it is the largest dependency, and most hosts run without a CRL. The package is
 * CommonJS: its `default` is its exports object, both under Node and in the packaged bundle (where
 * a lazily loaded CommonJS chunk exports nothing else).
 */
async function loadX509() {
  await import('reflect-metadata');
  return (await import('@peculiar/x509')).default;
}

async function parseCrl(
  pem: string,
  cas: readonly X509Certificate[],
): Promise<{ revokedSerials: Set<string>; nextUpdate: Date | null }> {
  const { X509Certificate: PeculiarCertificate, X509Crl } = await loadX509();
  let crl: X509Crl;
  try {
    crl = new X509Crl(pem);
  } catch (error) {
    throw new LpaError('LPA_ERR_TLS_MATERIAL', `the CRL does not parse: ${(error as Error).message}`);
  }
  const issuedByCa = await Promise.all(
    cas.map((ca) =>
      crl
        .verify({ publicKey: new PeculiarCertificate(ca.raw) }, webcrypto as unknown as Parameters<X509Crl['verify']>[1])
        .catch(() => false),
    ),
  );
  if (!issuedByCa.some(Boolean)) throw new LpaError('LPA_ERR_TLS_MATERIAL', 'the CRL is not signed by the configured CA');
  return {
    revokedSerials: new Set(crl.entries.map((entry) => normalizeSerial(entry.serialNumber))),
    nextUpdate: crl.nextUpdate ?? null,
  };
}

/**
 * The full server option set. Every secure-context swap passes all of it: Node resets `ca`, `crl`
 * and `minVersion` that are left out, and a reload must never re-admit TLS 1.2 or the public CAs.
 * Session tickets are off; Node keeps no internal session cache, so every connection is a full
 * handshake with certificate verification. OpenSSL's verdict is not enforced in the handshake
 * (`rejectUnauthorized: false`): the post-handshake check on every connection refuses any socket
 * OpenSSL did not authorize, before a byte of HTTP is read, and audits the verification error by
 * name (expired, unknown CA, revoked, …) instead of the connection reset a handshake alert causes.
 */
export function serverContextOptions(pem: { ca: string; cert: string; key: string; crl: string | null }): SecureContextOptions & {
  requestCert: true;
  rejectUnauthorized: false;
} {
  return {
    ca: pem.ca,
    cert: pem.cert,
    key: pem.key,
    ...(pem.crl === null ? {} : { crl: pem.crl }),
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    secureOptions: constants.SSL_OP_NO_TICKET,
    sessionTimeout: 0,
    requestCert: true,
    rejectUnauthorized: false,
  };
}

/**
 * Reads and validates the server's TLS files: everything parses, the key matches the certificate,
 * the certificate chains to the CA and is valid now, the CRL (if any) is the CA's. Throws
 * LPA_ERR_TLS_MATERIAL with the reason; nothing is swapped in unless this succeeds.
 */
export async function loadTlsMaterial(paths: TlsPaths, now: Date = new Date()): Promise<TlsMaterial> {
  // One after the other, so that with several bad files the reason is always about the first.
  const caPem = await readMaterialFile(paths.ca, 'CA file');
  const certPem = await readMaterialFile(paths.cert, 'server certificate file');
  const keyPem = await readMaterialFile(paths.key, 'server key file');
  const crlPem = paths.crl === null ? null : await readMaterialFile(paths.crl, 'CRL file');
  const caCertificates = parseCertificates(caPem, 'CA file');
  const [serverCertificate, ...intermediates] = parseCertificates(certPem, 'server certificate file');
  if (serverCertificate === undefined) throw new LpaError('LPA_ERR_TLS_MATERIAL', 'the server certificate file is empty');
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch (error) {
    throw new LpaError('LPA_ERR_TLS_MATERIAL', `the server key does not parse: ${(error as Error).message}`);
  }
  if (!serverCertificate.checkPrivateKey(key))
    throw new LpaError('LPA_ERR_TLS_MATERIAL', 'the server key does not match the server certificate');
  assertCurrentlyValid(serverCertificate, 'server certificate', now);
  assertChainsToCa(serverCertificate, intermediates, caCertificates);
  const crl = crlPem === null ? null : await parseCrl(crlPem, caCertificates);
  const contextOptions = serverContextOptions({ ca: caPem, cert: certPem, key: keyPem, crl: crlPem });
  try {
    createSecureContext(contextOptions);
  } catch (error) {
    throw new LpaError('LPA_ERR_TLS_MATERIAL', `the TLS files are not usable together: ${(error as Error).message}`);
  }
  return {
    paths,
    contextOptions,
    serverCertificate,
    caCertificates,
    revokedSerials: crl?.revokedSerials ?? new Set<string>(),
    crlNextUpdate: crl?.nextUpdate ?? null,
  };
}
