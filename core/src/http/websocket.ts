import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AuditTrail } from '../audit/trail.js';
import type { Job } from '../contracts/job.js';
import type { Logger } from '../contracts/logger.js';
import type { AgentHooks } from '../hooks.js';
import { normalizePeerAddress } from './allow-list.js';
import { crossSiteProblem } from './cross-site.js';
import { identityOfSocket } from './identity.js';

export const JOB_STREAM_PATH = '/ws/jobs';

export interface JobStreamOptions {
  hooks: AgentHooks;
  logger: Logger;
  audit: () => AuditTrail;
  /** Updates kept for `?since=` replay: at most this many… */
  retainedUpdates?: number;
  /** …and at most this many bytes of serialized messages. */
  retainedBytes?: number;
  /** A client whose unsent backlog would pass this is disconnected (slow consumer). */
  maxBufferedBytes?: number;
  /** Largest message a client may send (clients have nothing to say; this only bounds memory). */
  maxPayload?: number;
}

interface Retained {
  seq: number;
  jobId: string;
  text: string;
}

interface Client {
  socket: WebSocket;
  jobId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses an upgrade with a plain HTTP status (the connection then closes). */
function refuse(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * The WebSocket stream of job updates at /ws/jobs, an onJobUpdate tap like any other. Each update
 * becomes `{"type":"job_update","seq":N,"job":{…}}` with an agent-wide increasing seq; recent
 * updates are retained (bounded by count and bytes) so `?since=N` can replay what a reconnecting
 * client missed; `?job_id=` filters. Upgrades arrive on the same HTTPS server, so the allow-list
 * and the client-certificate checks have already run; the identity is checked again here.
 */
export class JobUpdateStream {
  readonly #options: JobStreamOptions;
  readonly #server: WebSocketServer;
  readonly #clients = new Set<Client>();
  readonly #retained: Retained[] = [];
  #retainedBytes = 0;
  #seq = 0;
  #dropped = 0;

  constructor(options: JobStreamOptions) {
    this.#options = options;
    this.#server = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 4096, clientTracking: false });
    options.hooks.onJobUpdate.tap('websocket', (job) => this.publish(job));
  }

  /** The seq of the latest update (0 before the first). */
  get seq(): number {
    return this.#seq;
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /** Clients disconnected because they did not keep up. */
  get droppedClients(): number {
    return this.#dropped;
  }

  attach(server: HttpServer): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(request, socket, head));
  }

  publish(job: Readonly<Job>): void {
    this.#seq += 1;
    const text = JSON.stringify({ type: 'job_update', seq: this.#seq, job });
    this.#retain({ seq: this.#seq, jobId: job.id, text });
    for (const client of this.#clients) {
      if (client.jobId === null || client.jobId === job.id) this.#send(client, text);
    }
  }

  /** Closes every stream (going away) and stops taking upgrades. */
  close(): void {
    for (const client of this.#clients) client.socket.close(1001, 'agent stopping');
    this.#clients.clear();
    this.#server.close();
  }

  #retain(update: Retained): void {
    const maxCount = this.#options.retainedUpdates ?? 1000;
    const maxBytes = this.#options.retainedBytes ?? 8 * 1024 * 1024;
    this.#retained.push(update);
    this.#retainedBytes += update.text.length;
    while (this.#retained.length > maxCount || (this.#retainedBytes > maxBytes && this.#retained.length > 1)) {
      const dropped = this.#retained.shift() as Retained;
      this.#retainedBytes -= dropped.text.length;
    }
  }

  #send(client: Client, text: string): void {
    const { socket } = client;
    if (socket.readyState !== socket.OPEN) return;
    // A consumer that does not read would make us buffer without bound: disconnect it instead.
    if (socket.bufferedAmount + Buffer.byteLength(text) > (this.#options.maxBufferedBytes ?? 1024 * 1024)) {
      this.#dropped += 1;
      this.#clients.delete(client);
      this.#options.logger.warn({ buffered: socket.bufferedAmount }, 'disconnecting a job stream client that does not keep up');
      socket.terminate();
      return;
    }
    socket.send(text);
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'https://agent.invalid');
    if (url.pathname !== JOB_STREAM_PATH) {
      refuse(socket, 404, 'Not Found');
      return;
    }
    const client = identityOfSocket(socket as TLSSocket);
    if (client === null) {
      socket.destroy();
      return;
    }
    const audited = {
      method: 'GET',
      path: JOB_STREAM_PATH,
      ip: normalizePeerAddress((socket as TLSSocket).remoteAddress ?? ''),
      client_cn: client.cn,
      client_serial: client.serial,
      client_fingerprint: client.fingerprint256,
    };
    // A page on another site must not read job updates through a browser holding the certificate.
    const crossSite = crossSiteProblem(request.headers);
    if (crossSite !== null) {
      this.#options.audit().record('api_request', { ...audited, status: 403, reason: crossSite });
      refuse(socket, 403, 'Forbidden');
      return;
    }
    const jobId = url.searchParams.get('job_id');
    const since = url.searchParams.get('since');
    const unknown = [...url.searchParams.keys()].filter((key) => key !== 'job_id' && key !== 'since');
    if ((jobId !== null && !UUID.test(jobId)) || (since !== null && !/^\d{1,15}$/.test(since)) || unknown.length > 0) {
      refuse(socket, 400, 'Bad Request');
      return;
    }
    this.#options.audit().record('api_request', { ...audited, status: 101 });
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#connect(ws, jobId, since === null ? null : Number(since)));
  }

  #connect(socket: WebSocket, jobId: string | null, since: number | null): void {
    const client: Client = { socket, jobId };
    this.#clients.add(client);
    socket.on('close', () => this.#clients.delete(client));
    socket.on('error', () => this.#clients.delete(client));
    if (since === null) return;
    for (const update of this.#retained) {
      if (update.seq > since && (jobId === null || update.jobId === jobId)) this.#send(client, update.text);
    }
  }
}
