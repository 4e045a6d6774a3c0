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

/** Identities of connections the server's post-handshake check admitted (a certificate cannot change). */
const identities = new WeakMap<TLSSocket, ClientIdentity>();

/** Called by the server once its check has admitted the connection; nothing else vouches for a peer. */
export function admitIdentity(socket: TLSSocket): ClientIdentity {
  const identity = identityOfCertificate(socket.getPeerCertificate());
  if (socket.remoteAddress !== undefined) identity.ip = normalizePeerAddress(socket.remoteAddress);
  identities.set(socket, identity);
  return identity;
}

/**
 * The identity of the peer on a connection the server admitted, or null when the socket carries no
 * verified certificate. Only the TLS layer is consulted: request headers never count.
 */
export function identityOfSocket(socket: TLSSocket): ClientIdentity | null {
  return identities.get(socket) ?? null;
}
