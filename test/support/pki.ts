/**
 * Test PKI: real X.509 certificates made with @peculiar/x509 over Node's WebCrypto (ECDSA P-256).
 *
 *   const ca = await TestCa.create();                      // a self-signed CA
 *   const server = await ca.issueServer();                 // localhost, 127.0.0.1, ::1, serverAuth
 *   const client = await ca.issueClient({ cn: 'admin' });  // clientAuth EKU, valid 30 days
 *   const expired = await ca.issueClient({ notBefore: daysFromNow(-10), notAfter: daysFromNow(-1) });
 *   const noEku = await ca.issueClient({ extendedKeyUsages: null });
 *   const crlPem = await ca.crl([client]);                 // revokes `client`
 *   const stale = ca.opensslCrl([client], { lastUpdate: daysFromNow(-10), nextUpdate: daysFromNow(-1) });  // by openssl ca
 *   await writeServerFiles(dir, ca, server);               // dir/ca.pem, dir/server.pem, dir/server.key
 *
 * Every IssuedCertificate has certPem, keyPem, serial (upper-case hex) and fingerprint256 (the
 * colon-separated form Node's TLS layer reports), so tests can compare what the agent saw.
 */

import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate as NodeX509Certificate, randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

type Crypto = Parameters<typeof x509.X509CertificateGenerator.create>[1] & object;
type CryptoKey = x509.X509CertificateCreateWithKeyParams['signingKey'];
type CryptoKeyPair = x509.X509CertificateCreateSelfSignedParams['keys'];

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export function daysFromNow(days: number): Date {
  return new Date(Date.now() + days * DAY_MS);
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** Upper-case hex as Node (and `openssl x509 -serial`) print it, e.g. `0C54…` (as the agent reports it). */
  serial: string;
  /** SHA-256 fingerprint, `AB:CD:…` (as Node's TLS layer reports it). */
  fingerprint256: string;
  commonName: string;
  certificate: x509.X509Certificate;
}

export interface IssueOptions {
  cn?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Extended key usages; null leaves the extension out. */
  extendedKeyUsages?: string[] | null;
  /** DNS names and IP addresses for the subjectAltName (server certificates). */
  hosts?: string[];
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 1) & 0x7f || 0x11;
  return bytes.toString('hex');
}

function fingerprintOf(certificate: x509.X509Certificate): string {
  const hex = createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex').toUpperCase();
  return hex.match(/../g)?.join(':') ?? hex;
}

async function issued(certificate: x509.X509Certificate, key: CryptoKey, commonName: string): Promise<IssuedCertificate> {
  return {
    certPem: certificate.toString('pem'),
    keyPem: await keyPem(key),
    serial: new NodeX509Certificate(certificate.toString('pem')).serialNumber.toUpperCase(),
    fingerprint256: fingerprintOf(certificate),
    commonName,
    certificate,
  };
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

export class TestCa {
  private constructor(
    readonly certificate: x509.X509Certificate,
    private readonly keys: CryptoKeyPair,
    readonly certPem: string,
    readonly keyPem: string,
    readonly name: string,
  ) {}

  static async create(options: { name?: string; notBefore?: Date; notAfter?: Date } = {}): Promise<TestCa> {
    const name = options.name ?? `linux-patch-api test CA ${randomBytes(4).toString('hex')}`;
    const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: `CN=${name}`,
      notBefore: options.notBefore ?? daysFromNow(-1),
      notAfter: options.notAfter ?? daysFromNow(3650),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new TestCa(certificate, keys, certificate.toString('pem'), await keyPem(keys.privateKey), name);
  }

  private async issue(options: IssueOptions, defaultCn: string, defaultUsages: string[]): Promise<IssuedCertificate> {
    const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
    const commonName = options.cn ?? defaultCn;
    const usages = options.extendedKeyUsages === undefined ? defaultUsages : options.extendedKeyUsages;
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      await x509.AuthorityKeyIdentifierExtension.create(this.certificate, false),
    ];
    if (usages !== null) extensions.push(new x509.ExtendedKeyUsageExtension(usages, false));
    if (options.hosts !== undefined && options.hosts.length > 0) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension(
          options.hosts.map((host) => ({ type: isIpAddress(host) ? ('ip' as const) : ('dns' as const), value: host })),
          false,
        ),
      );
    }
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: `CN=${commonName}`,
      issuer: this.certificate.subject,
      notBefore: options.notBefore ?? daysFromNow(-1),
      notAfter: options.notAfter ?? daysFromNow(29),
      publicKey: keys.publicKey,
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions,
    });
    return issued(certificate, keys.privateKey, commonName);
  }

  /** A server certificate (serverAuth) for localhost, 127.0.0.1 and ::1 unless `hosts` says otherwise. */
  issueServer(options: IssueOptions = {}): Promise<IssuedCertificate> {
    return this.issue({ hosts: ['localhost', '127.0.0.1', '::1'], ...options }, 'localhost', [x509.ExtendedKeyUsage.serverAuth]);
  }

  /** A client certificate (clientAuth), valid from yesterday for 30 days unless told otherwise. */
  issueClient(options: IssueOptions = {}): Promise<IssuedCertificate> {
    return this.issue(options, `client-${randomBytes(3).toString('hex')}`, [x509.ExtendedKeyUsage.clientAuth]);
  }

  /** A CRL (PEM) signed by this CA revoking the given certificates. */
  async crl(revoked: readonly IssuedCertificate[] = []): Promise<string> {
    const crl = await x509.X509CrlGenerator.create({
      issuer: this.certificate.subject,
      thisUpdate: daysFromNow(-1),
      nextUpdate: daysFromNow(30),
      signingKey: this.keys.privateKey,
      signingAlgorithm: ALGORITHM,
      extensions: [await x509.AuthorityKeyIdentifierExtension.create(this.certificate, false)],
      entries: revoked.map((entry) => ({ serialNumber: entry.certificate.serialNumber, revocationDate: daysFromNow(-1) })),
    });
    // OpenSSL (and so Node's TLS layer) reads CRLs under the 'X509 CRL' PEM label only.
    return x509.PemConverter.encode(crl.rawData, 'X509 CRL');
  }

  /**
   * A CRL made by OpenSSL itself (`openssl ca -revoke`, then `-gencrl` with explicit
   * lastUpdate/nextUpdate), e.g. one whose nextUpdate is already past.
   */
  opensslCrl(revoked: readonly IssuedCertificate[], dates: { lastUpdate: Date; nextUpdate: Date }): string {
    const dir = mkdtempSync(join(tmpdir(), 'lpa-openssl-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), this.certPem);
      writeFileSync(join(dir, 'ca.key'), this.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'index.txt'), '');
      writeFileSync(join(dir, 'crlnumber'), '01\n');
      writeFileSync(
        join(dir, 'ca.cnf'),
        `[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\n`,
      );
      const ca = ['-config', join(dir, 'ca.cnf'), '-keyfile', join(dir, 'ca.key'), '-cert', join(dir, 'ca.pem')];
      revoked.forEach((certificate, index) => {
        const file = join(dir, `revoked-${index}.pem`);
        writeFileSync(file, certificate.certPem);
        execFileSync('openssl', ['ca', ...ca, '-revoke', file], { stdio: 'pipe' });
      });
      const generalized = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
      execFileSync(
        'openssl',
        [
          'ca',
          ...ca,
          '-gencrl',
          '-crl_lastupdate',
          generalized(dates.lastUpdate),
          '-crl_nextupdate',
          generalized(dates.nextUpdate),
        ].concat(['-out', join(dir, 'crl.pem')]),
        { stdio: 'pipe' },
      );
      return readFileSync(join(dir, 'crl.pem'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

export interface ServerFiles {
  ca: string;
  cert: string;
  key: string;
  crl: string;
}

/** Writes ca.pem, server.pem and server.key (and crl.pem when given) into dir; returns their paths. */
export async function writeServerFiles(
  dir: string,
  ca: TestCa,
  server: IssuedCertificate,
  crlPem?: string,
): Promise<ServerFiles> {
  const files = {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'server.pem'),
    key: join(dir, 'server.key'),
    crl: join(dir, 'crl.pem'),
  };
  await writeFile(files.ca, ca.certPem);
  await writeFile(files.cert, server.certPem);
  await writeFile(files.key, server.keyPem, { mode: 0o600 });
  if (crlPem !== undefined) await writeFile(files.crl, crlPem);
  return files;
}
