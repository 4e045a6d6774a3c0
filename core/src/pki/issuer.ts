import { randomBytes, webcrypto } from 'node:crypto';
import type * as X509 from '@peculiar/x509';
import { CLIENT_AUTH_EKU } from '../http/tls/client-policy.js';

/** The longest lifetime `tls.max_client_cert_days` admits by default; server certificates keep to it too. */
export const MAX_LEAF_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Back-dating covers clocks a few minutes behind; the lifetime is counted from it. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const SERVER_AUTH_EKU = '1.3.6.1.5.5.7.3.1';
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

type Crypto = Parameters<typeof X509.X509CertificateGenerator.create>[1] & object;
type CryptoKeyPair = X509.X509CertificateCreateSelfSignedParams['keys'];
const crypto = webcrypto as unknown as Crypto;

/** A certificate and its PKCS#8 private key, both PEM. */
export interface IssuedPem {
  certPem: string;
  keyPem: string;
}

export interface CaMaterial extends IssuedPem {}

/**
 * @peculiar/x509 needs the Reflect metadata API; both load only for this command. The package is
 * CommonJS: its `default` is its exports object, both under Node and in the packaged bundle (where
 * a lazily loaded CommonJS chunk exports nothing else).
 */
async function loadX509() {
  await import('reflect-metadata');
  const x509 = (await import('@peculiar/x509')).default;
  x509.cryptoProvider.set(crypto);
  return x509;
}

type X509Module = Awaited<ReturnType<typeof loadX509>>;

/** 16 random bytes, positive (top bit clear), never all zero in the first byte. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString('hex');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(Date.now() - CLOCK_SKEW_MS);
  return { notBefore, notAfter: new Date(notBefore.getTime() + days * DAY_MS) };
}

async function keyPem(x509: X509Module, key: CryptoKeyPair['privateKey']): Promise<string> {
  return x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}

/** A self-signed CA (basicConstraints CA, keyCertSign and cRLSign) for signing the agent's certificates. */
export async function createCa(options: { name: string; days: number }): Promise<CaMaterial> {
  const x509 = await loadX509();
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: new x509.Name([{ CN: [options.name] }]),
    ...validity(options.days),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: certificate.toString('pem'), keyPem: await keyPem(x509, keys.privateKey) };
}

export interface LeafOptions {
  ca: CaMaterial;
  commonName: string;
  days: number;
  /** DNS names and IP addresses (subjectAltName); server certificates only. */
  hosts?: readonly string[];
}

async function issueLeaf(options: LeafOptions, usage: 'server' | 'client'): Promise<IssuedPem> {
  if (!(Number.isInteger(options.days) && options.days >= 1 && options.days <= MAX_LEAF_DAYS)) {
    throw new RangeError(`the lifetime must be 1 to ${MAX_LEAF_DAYS} days (the agent refuses longer client certificates)`);
  }
  const x509 = await loadX509();
  const caCertificate = new x509.X509Certificate(options.ca.certPem);
  const caKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(options.ca.keyPem), ALGORITHM, false, [
    'sign',
  ]);
  const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const extensions: X509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
    new x509.ExtendedKeyUsageExtension([usage === 'server' ? SERVER_AUTH_EKU : CLIENT_AUTH_EKU], false),
    await x509.AuthorityKeyIdentifierExtension.create(caCertificate, false),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (options.hosts !== undefined && options.hosts.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        options.hosts.map((host) => ({ type: isIpAddress(host) ? ('ip' as const) : ('dns' as const), value: host })),
        false,
      ),
    );
  }
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: new x509.Name([{ CN: [options.commonName] }]),
    issuer: caCertificate.subject,
    ...validity(options.days),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions,
  });
  return { certPem: certificate.toString('pem'), keyPem: await keyPem(x509, keys.privateKey) };
}

/** A server certificate (serverAuth) for the given host names and addresses. */
export function issueServerCertificate(options: LeafOptions): Promise<IssuedPem> {
  return issueLeaf(options, 'server');
}

/** A client certificate (clientAuth) the agent accepts: the EKU it requires, at most 366 days. */
export function issueClientCertificate(options: Omit<LeafOptions, 'hosts'>): Promise<IssuedPem> {
  return issueLeaf(options, 'client');
}
