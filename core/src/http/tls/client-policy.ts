import type { X509Certificate } from 'node:crypto';
import { normalizeSerial } from './material.js';

export const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 24 * 60 * 60 * 1000;

export type ClientCertificateProblem =
  | 'no_certificate'
  | 'unknown_ca'
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

/** OpenSSL verification errors (Node's `authorizationError` codes) by the refusal they mean. */
const VERIFICATION_ERRORS: Readonly<Record<string, ClientCertificateProblem>> = {
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'not_yet_valid',
  CERT_REVOKED: 'revoked',
  INVALID_PURPOSE: 'missing_client_auth_eku',
  UNABLE_TO_GET_ISSUER_CERT: 'unknown_ca',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unknown_ca',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unknown_ca',
  SELF_SIGNED_CERT_IN_CHAIN: 'unknown_ca',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'unknown_ca',
  CERT_SIGNATURE_FAILURE: 'unknown_ca',
  CERT_UNTRUSTED: 'unknown_ca',
  CERT_CHAIN_TOO_LONG: 'unknown_ca',
};

/**
 * The refusal OpenSSL's chain verification means, by name; null when it passed. A CRL past its
 * nextUpdate (CRL_HAS_EXPIRED) is not a refusal by itself: OpenSSL reports the last error it met
 * and checks revocation before signatures and dates, so this code means the chain verified; the
 * expired CRL's revocations are still enforced by clientCertificateProblem.
 */
export function verificationProblem(authorizationError: string | Error | null | undefined): string | null {
  if (authorizationError === null || authorizationError === undefined) return null;
  const code = String(authorizationError);
  if (code === 'CRL_HAS_EXPIRED') return null;
  return VERIFICATION_ERRORS[code] ?? `verification_failed:${code}`;
}
