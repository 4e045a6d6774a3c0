import { once } from 'node:events';
import type { RequestListener } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { AuditTrail } from '../audit/trail.js';
import type { ClientIdentity } from '../contracts/audit.js';
import type { AllowList } from './allow-list.js';
import { normalizePeerAddress } from './allow-list.js';
import { admitIdentity } from './identity.js';
import { RefusalAggregator } from './refusal-aggregator.js';
import { type ClientCertificatePolicy, clientCertificateProblem, verificationProblem } from './tls/client-policy.js';
import { crlCondition, normalizeSerial, type TlsMaterial } from './tls/material.js';

export interface SecureServerOptions {
  handler: RequestListener;
  material: TlsMaterial;
  allowList: AllowList;
  maxClientCertDays: number;
  logger: Logger;
  audit: () => AuditTrail;
  /** Seconds a TLS handshake may take before the socket is dropped. */
  handshakeTimeoutSeconds?: number;
  /** Time a client has to send complete request headers (ms; default 20 000). */
  headersTimeoutMs?: number;
  /** Time a client has to send a complete request (ms; default 60 000). */
  requestTimeoutMs?: number;
}

interface Endpoint {
  host: string;
  port: number;
}

function presentedCertificate(socket: TLSSocket): Record<string, unknown> {
  try {
    const certificate = socket.getPeerX509Certificate();
    if (certificate === undefined) return {};
    return { cert_fingerprint: certificate.fingerprint256, cert_subject: certificate.subject.replace(/\n/g, ', ') };
  } catch {
    return {};
  }
}

/**
 * The agent's network front: a plain TCP listener that applies the allow-list to the raw
 * connection before any TLS byte, an HTTPS server (TLS 1.3 only, client certificate required)
 * that gets only admitted sockets, and a post-handshake check on every connection. Its TLS
 * material, allow-list and policy can be swapped while it runs.
 */
export class SecureServer {
  private readonly https: HttpsServer;
  private listener: NetServer | null = null;
  private endpoint: Endpoint | null = null;
  private material: TlsMaterial;
  private allowList: AllowList;
  private maxClientCertDays: number;
  private readonly logger: Logger;
  private readonly audit: () => AuditTrail;
  /** Established, verified connections and whose they are. */
  private readonly clients = new Map<TLSSocket, ClientIdentity>();
  private readonly rawSockets = new Set<Socket>();
  private readonly admittedAddresses = new WeakMap<Socket, string>();
  /** Requests being answered, per TLS socket (a socket with none is idle). */
  private readonly inFlight = new WeakMap<Socket, number>();
  private closing = false;
  /** ip_denied and auth_failure records, aggregated per peer and reason. */
  private readonly refusals: RefusalAggregator;

  constructor(options: SecureServerOptions) {
    this.material = options.material;
    this.allowList = options.allowList;
    this.maxClientCertDays = options.maxClientCertDays;
    this.logger = options.logger;
    this.audit = options.audit;
    this.refusals = new RefusalAggregator({ record: (event, fields) => this.audit().record(event, fields) });
    this.https = createHttpsServer(
      {
        ...options.material.contextOptions,
        handshakeTimeout: (options.handshakeTimeoutSeconds ?? 10) * 1000,
        headersTimeout: options.headersTimeoutMs ?? 20_000,
        requestTimeout: options.requestTimeoutMs ?? 60_000,
        connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs ?? 1000),
      },
      (request, response) => {
        const socket = request.socket;
        this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
        response.once('close', () => this.inFlight.set(socket, (this.inFlight.get(socket) ?? 1) - 1));
        options.handler(request, response);
      },
    );
    // The HTTPS server never listens itself (the TCP listener above it does), but Node starts its
    // enforcement of headersTimeout/requestTimeout on 'listening': without it a client could hold
    // a connection open forever by sending headers slowly.
    this.https.emit('listening');
    // Runs before the HTTP layer's own listener: a refused socket is destroyed before it is read.
    this.https.prependListener('secureConnection', (socket: TLSSocket) => this.checkClient(socket));
    this.https.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
      this.refusals.refuse('auth_failure', {
        ip: this.peerAddressOf(socket),
        reason: error.code ?? error.message,
        ...presentedCertificate(socket),
      });
      socket.destroy();
    });
  }

  private policy(): ClientCertificatePolicy {
    return { maxClientCertDays: this.maxClientCertDays, revokedSerials: this.material.revokedSerials };
  }

  private checkClient(socket: TLSSocket): void {
    const ip = normalizePeerAddress(socket.remoteAddress ?? '');
    const certificate = socket.getPeerX509Certificate();
    const problem =
      certificate === undefined
        ? 'no_certificate'
        : (verificationProblem(socket.authorizationError) ?? clientCertificateProblem(certificate, this.policy()));
    if (problem !== null) {
      const crl = crlCondition(this.material);
      this.refusals.refuse('auth_failure', {
        ip,
        reason: problem,
        ...presentedCertificate(socket),
        ...(crl === null ? {} : { crl_condition: crl }),
      });
      socket.destroy();
      return;
    }
    // Worked out once per connection and kept with the socket; requests read the same identity.
    const identity = admitIdentity(socket);
    this.clients.set(socket, identity);
    socket.once('close', () => this.clients.delete(socket));

    this.audit().record('auth_success', {
      ip,
      client_cn: identity.cn,
      client_serial: identity.serial,
      client_fingerprint: identity.fingerprint256,
    });
  }

  private admit(socket: Socket): void {
    const ip = socket.remoteAddress;
    if (this.closing || !this.allowList.admits(ip)) {
      socket.destroy();
      this.refusals.refuse('ip_denied', {
        ip: normalizePeerAddress(ip ?? ''),
        reason: this.closing ? 'shutting_down' : 'not_allowed',
        port: socket.remotePort ?? null,
      });
      return;
    }
    this.rawSockets.add(socket);
    this.admittedAddresses.set(socket, normalizePeerAddress(ip ?? ''));
    socket.once('close', () => this.rawSockets.delete(socket));
    this.https.emit('connection', socket);
  }

  /**
   * The peer address of a TLS socket, also after a failed handshake has torn the socket down
   * (remoteAddress is then gone): it is remembered from the TCP socket the TLS socket wraps.
   */
  private peerAddressOf(socket: TLSSocket): string {
    const parent = (socket as TLSSocket & { _parent?: Socket })._parent;
    return (
      (parent === undefined ? undefined : this.admittedAddresses.get(parent)) ?? normalizePeerAddress(socket.remoteAddress ?? '')
    );
  }

  private async openListener(endpoint: Endpoint): Promise<NetServer> {
    const listener = createNetServer({ noDelay: true }, (socket) => this.admit(socket));
    listener.listen({ host: endpoint.host, port: endpoint.port, exclusive: true });
    await Promise.race([
      once(listener, 'listening'),
      once(listener, 'error').then(([error]) => {
        throw error;
      }),
    ]);
    return listener;
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    this.listener = await this.openListener({ host, port });
    this.endpoint = { host, port };
    return this.address();
  }

  address(): AddressInfo {
    const address = this.listener?.address();
    if (address === null || address === undefined || typeof address === 'string') throw new Error('the server is not listening');
    return address;
  }

  /**
   * Moves the listener to another address/port: the new one opens first, then the old one stops
   * accepting (its established connections finish normally). If the new one cannot open, the old
   * one stays and the error is thrown.
   */
  async rebind(host: string, port: number): Promise<AddressInfo> {
    if (this.endpoint !== null && this.endpoint.host === host && this.endpoint.port === port) return this.address();
    const previous = this.listener;
    if (previous !== null && this.endpoint !== null && this.endpoint.port === port && port !== 0) {
      // Same port, other address: the old socket may overlap the new one, so it must go first.
      previous.close();
      try {
        this.listener = await this.openListener({ host, port });
      } catch (error) {
        this.listener = await this.openListener(this.endpoint);
        throw error;
      }
    } else {
      this.listener = await this.openListener({ host, port });
      previous?.close();
    }
    this.endpoint = { host, port };
    return this.address();
  }

  /** Swaps the allow-list and closes the open connections (WebSockets included) of addresses it no longer admits. */
  setAllowList(allowList: AllowList): void {
    this.allowList = allowList;
    for (const socket of this.rawSockets) {
      const ip = this.admittedAddresses.get(socket);
      if (ip === undefined || allowList.admits(ip)) continue;
      this.logger.warn({ ip }, 'closing a connection of an address removed from the allow-list');
      this.refusals.refuse('ip_denied', { ip, reason: 'removed_from_allow_list', port: socket.remotePort ?? null });
      socket.destroy();
    }
  }

  setMaxClientCertDays(days: number): void {
    this.maxClientCertDays = days;
  }

  /**
   * Swaps the TLS material for new connections (with the full option set) and closes the open
   * connections of any client whose certificate the new CRL revokes.
   */
  setMaterial(material: TlsMaterial): void {
    this.https.setSecureContext(material.contextOptions);
    this.material = material;
    for (const [socket, identity] of this.clients) {
      if (material.revokedSerials.has(normalizeSerial(identity.serial))) {
        this.logger.warn(
          { client_cn: identity.cn, client_serial: identity.serial },
          'closing the connection of a revoked client certificate',
        );
        this.audit().record('auth_failure', {
          ip: normalizePeerAddress(socket.remoteAddress ?? ''),
          reason: 'revoked',
          cert_fingerprint: identity.fingerprint256,
          client_cn: identity.cn,
          client_serial: identity.serial,
        });
        socket.destroy();
      }
    }
  }

  /** The HTTPS server behind the allow-list, for `upgrade` listeners (the WebSocket). */
  get httpsServer(): HttpsServer {
    return this.https;
  }

  /** Open verified connections (for tests and the shutdown log). */
  connectionCount(): number {
    return this.clients.size;
  }

  /**
   * Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes whatever is
   * left (idle keep-alive connections and WebSockets included).
   */
  async close(graceMs = 5000): Promise<void> {
    const listener = this.listener;
    this.listener = null;
    // Stops accepting at once; its callback only comes once every connection has ended, so it is
    // awaited after the grace period has closed them, not before.
    const listenerClosed =
      listener === null ? Promise.resolve() : new Promise<void>((resolve) => listener.close(() => resolve()));
    this.closing = true;
    const deadline = Date.now() + graceMs;
    for (;;) {
      for (const [socket] of this.clients) if ((this.inFlight.get(socket) ?? 0) === 0) socket.destroy();
      if (this.clients.size === 0 || Date.now() >= deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    for (const socket of this.rawSockets) socket.destroy();
    for (const [socket] of this.clients) socket.destroy();
    this.refusals.flush();
    // Stops the HTTP layer's timeout checks (it was never listening, so close() only reports that).
    this.https.close(() => {});
    await listenerClosed;
  }
}
