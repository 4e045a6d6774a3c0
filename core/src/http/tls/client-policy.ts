import type { X509Certificate } from 'node:crypto';
import { normalizeSerial } from './material.js';

export const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 24 * 60 * 60 * 1000;

export type ClientCertificateProblem =
  | 'no_certificate'
  | 'not_yet_valid'
  | 'expired'
  | 'validity_too_long'
  | 'missing_client_auth_eku'
  | 'revoked';

export interface ClientCertificatePolicy {
  /** `tls.max_client_cert_days`; 0 disables the lifetime check. */
  maxClientCertDays: number;
  revokedSerials: ReadonlySet<string>;
}

/**
 * The checks run on every established connection, after OpenSSL verified the chain: they refuse
 * what chain verification lets through (over-long lifetimes, a missing EKU extension) and repeat
 * validity and revocation so that no connection, resumed or not, escapes them.
 */
export function clientCertificateProblem(
  certificate: X509Certificate | undefined,
  policy: ClientCertificatePolicy,
  now: Date = new Date(),
): ClientCertificateProblem | null {
  if (certificate === undefined) return 'no_certificate';
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (notBefore > now) return 'not_yet_valid';
  if (notAfter < now) return 'expired';
  if (policy.maxClientCertDays > 0 && notAfter.getTime() - notBefore.getTime() > policy.maxClientCertDays * DAY_MS) {
    return 'validity_too_long';
  }
  if (!(certificate.keyUsage ?? []).includes(CLIENT_AUTH_EKU)) return 'missing_client_auth_eku';
  if (policy.revokedSerials.has(normalizeSerial(certificate.serialNumber))) return 'revoked';
  return null;
}
