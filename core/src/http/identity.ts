import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { ClientIdentity } from '../contracts/audit.js';
import { normalizePeerAddress } from './allow-list.js';

/** The identity of a verified client certificate: subject CN, serial and SHA-256 fingerprint. */
export function identityOfCertificate(cert: PeerCertificate): ClientIdentity {
  const cn = cert.subject?.CN;
  return {
    cn: typeof cn === 'string' ? cn : Array.isArray(cn) ? (cn[0] ?? null) : null,
    serial: cert.serialNumber.toUpperCase(),
    fingerprint256: cert.fingerprint256,
  };
}

/** A connection's certificate cannot change, so its identity is worked out once per socket. */
const identities = new WeakMap<TLSSocket, ClientIdentity>();

/**
 * The identity of the peer on an authorized TLS socket (with its address), or null when the socket
 * carries no verified certificate. Only the TLS layer is consulted: request headers never count.
 */
export function identityOfSocket(socket: TLSSocket): ClientIdentity | null {
  if (!socket.authorized) return null;
  const known = identities.get(socket);
  if (known !== undefined) return known;
  const cert = socket.getPeerCertificate();
  if (cert === null || typeof cert !== 'object' || !cert.fingerprint256) return null;
  const identity = identityOfCertificate(cert);
  if (socket.remoteAddress !== undefined) identity.ip = normalizePeerAddress(socket.remoteAddress);
  identities.set(socket, identity);
  return identity;
}
