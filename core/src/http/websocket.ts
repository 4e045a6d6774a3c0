import { randomUUID } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type Koa from 'koa';
import type websockify from 'koa-websocket';
import type { WebSocket } from 'ws';
import type { z } from 'zod';
import type { AuditTrail } from '../audit/trail.js';
import type { Job, JobUpdateKind } from '../contracts/job.js';
import { TERMINAL_JOB_STATUSES } from '../contracts/job.js';
import type { Logger } from '../contracts/logger.js';
import { LpaError, toLpaError } from '../errors.js';
import type { AgentHooks } from '../hooks.js';
import { normalizePeerAddress } from './allow-list.js';
import { crossSiteProblem } from './cross-site.js';
import { errorBody } from './envelope.js';
import { identityOfSocket } from './identity.js';
import { readQuery } from './query.js';
import { JOB_STREAM_PATH, type JobStreamMessage, jobStreamQuery, type RESYNC_REASONS } from './schemas/job-stream.js';

export { JOB_STREAM_PATH } from './schemas/job-stream.js';

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

type StreamQuery = z.infer<typeof jobStreamQuery>;
type ResyncReason = (typeof RESYNC_REASONS)[number];

/** ws's verifyClient callback: refuse with a status, a body and headers, or let the upgrade happen. */
type VerifyCallback = (result: boolean, code?: number, message?: string, headers?: Record<string, string>) => void;

/**
 * The WebSocket stream of job updates at /ws/jobs, an onJobUpdate tap like any other, served through
 * koa-websocket on the agent's own HTTPS server: upgrades arrive behind the same allow-list and
 * client-certificate checks as every request, and the identity and the query are checked again
 * before the upgrade is accepted (a refusal is an HTTP answer with the error envelope).
 *
 * Messages (see schemas/job-stream.ts): `job_update` with this run's `epoch` and a `seq` that
 * increases by one per update; the job's log only when it changed since that job's previous update.
 * Recent messages are retained (bounded by count and bytes) so `?since=N&epoch=E` replays what a
 * reconnecting client missed; when that is impossible (another epoch, or updates no longer
 * retained) the client first gets a `resync` telling it to re-read the jobs. `?job_id=` filters.
 */
export class JobUpdateStream {
  /** Identifies this run of the agent: seq starts again at 1 in every epoch. */
  readonly epoch = randomUUID();
  readonly #options: JobStreamOptions;
  readonly #clients = new Set<Client>();
  readonly #retained: Retained[] = [];
  /** Accepted upgrades and their parsed query, between verification and the connection. */
  readonly #accepted = new WeakMap<IncomingMessage, StreamQuery>();
  /** The log last sent for each unfinished job, so an update carries it only when it changed. */
  readonly #lastLog = new Map<string, string>();
  #retainedBytes = 0;
  #seq = 0;
  #dropped = 0;
  #app: websockify.App | null = null;
  #closed = false;

  constructor(options: JobStreamOptions) {
    this.#options = options;
    options.hooks.onJobUpdate.tap('websocket', (job: Readonly<Job>, _kind: JobUpdateKind) => this.publish(job));
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

  /**
   * Serves the stream through koa-websocket on `server`, which carries the agent's Koa `app`.
   * koa-websocket and ws load on the first upgrade, not at start: an agent nobody streams from never
   * needs them (they are about 40 ms of CPU and 2 MiB at start). Upgrades that arrive while they load
   * wait and are then handed to ws in order.
   */
  attach(app: Koa, server: HttpServer): void {
    const waiting: [IncomingMessage, Duplex, Buffer][] = [];
    const firstUpgrades = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#closed) {
        socket.destroy();
        return;
      }
      waiting.push([req, socket, head]);
      if (waiting.length > 1) return;
      import('koa-websocket').then(
        ({ default: websockify }) => {
          server.off('upgrade', firstUpgrades);
          if (this.#closed) {
            for (const [, pending] of waiting.splice(0)) pending.destroy();
            return;
          }
          this.#serve(websockify, app, server);
          for (const pending of waiting.splice(0)) server.emit('upgrade', ...pending);
        },
        (error: unknown) => {
          this.#options.logger.error({ err: error }, 'job stream could not load its WebSocket server');
          for (const [, pending] of waiting.splice(0)) pending.destroy();
        },
      );
    };
    server.on('upgrade', firstUpgrades);
  }

  #serve(websockify: typeof import('koa-websocket'), app: Koa, server: HttpServer): void {
    const wsApp = websockify(app);
    wsApp.ws.use(async (ctx) => {
      const query = this.#accepted.get(ctx.req);
      if (query === undefined) {
        ctx.websocket.close(1008, 'not verified');
        return;
      }
      this.#accepted.delete(ctx.req);
      this.#connect(ctx.websocket, query);
    });
    wsApp.ws.listen({
      server,
      maxPayload: this.#options.maxPayload ?? 4096,
      clientTracking: false,
      perMessageDeflate: false,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyCallback) => this.#verify(info.req, done),
    });
    wsApp.ws.server?.on('error', (error: Error) => this.#options.logger.error({ err: error }, 'job stream server error'));
    this.#app = wsApp;
  }

  publish(job: Readonly<Job>): void {
    this.#seq += 1;
    const { log, ...rest } = job;
    const logText = JSON.stringify(log);
    const logChanged = this.#lastLog.get(job.id) !== logText;
    if (TERMINAL_JOB_STATUSES.includes(job.status)) this.#lastLog.delete(job.id);
    else this.#lastLog.set(job.id, logText);
    const message: JobStreamMessage = {
      type: 'job_update',
      epoch: this.epoch,
      seq: this.#seq,
      job: logChanged ? { ...rest, log: [...log] } : rest,
    };
    const text = JSON.stringify(message);
    this.#retain({ seq: this.#seq, jobId: job.id, text });
    for (const client of this.#clients) {
      if (client.jobId === null || client.jobId === job.id) this.#send(client, text);
    }
  }

  /** Closes every stream (going away) and stops taking upgrades. */
  close(): void {
    this.#closed = true;
    for (const client of this.#clients) client.socket.close(1001, 'agent stopping');
    this.#clients.clear();
    this.#app?.ws.server?.close();
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

  /** Before the upgrade: the path, the client's identity and the query; the accepted upgrade is audited. */
  #verify(request: IncomingMessage, done: VerifyCallback): void {
    const url = new URL(request.url ?? '/', 'https://agent.invalid');
    if (url.pathname !== JOB_STREAM_PATH) {
      this.#refuse(done, new LpaError('LPA_ERR_NOT_FOUND', `no such endpoint: GET ${url.pathname}`));
      return;
    }
    const socket = request.socket as TLSSocket;
    const client = identityOfSocket(socket);
    if (client === null) {
      socket.destroy();
      return;
    }
    const audited = {
      method: 'GET',
      path: JOB_STREAM_PATH,
      ip: normalizePeerAddress(socket.remoteAddress ?? ''),
      client_cn: client.cn,
      client_serial: client.serial,
      client_fingerprint: client.fingerprint256,
    };
    // A page on another site must not read job updates through a browser holding the certificate.
    const crossSite = crossSiteProblem(request.headers);
    if (crossSite !== null) {
      this.#options.audit().record('api_request', { ...audited, status: 403, reason: crossSite });
      this.#refuse(done, new LpaError('LPA_ERR_CROSS_ORIGIN', crossSite));
      return;
    }
    let query: StreamQuery;
    try {
      query = readQuery(jobStreamQuery, parseQueryString(url.search.slice(1)));
    } catch (error) {
      this.#refuse(done, toLpaError(error));
      return;
    }
    this.#options.audit().record('api_request', { ...audited, status: 101 });
    this.#accepted.set(request, query);
    done(true);
  }

  /** Refuses an upgrade with the error envelope, as any endpoint answers a bad request. */
  #refuse(done: VerifyCallback, error: LpaError): void {
    const requestId = randomUUID();
    done(false, error.status, JSON.stringify(errorBody(requestId, error)), {
      'Content-Type': 'application/json; charset=utf-8',
      'X-Request-Id': requestId,
    });
  }

  /**
   * Why a client resuming from (`epoch`, `since`) cannot simply be replayed the updates after
   * `since`, or null when it can. Without `epoch`, a `since` beyond the latest seq can only come
   * from an earlier run.
   */
  #resyncReason(query: StreamQuery): ResyncReason | null {
    const { since, epoch } = query;
    if (since === undefined) return null;
    if ((epoch !== undefined && epoch !== this.epoch) || since > this.#seq) return 'epoch_changed';
    const oldest = this.#retained[0]?.seq ?? this.#seq + 1;
    return since < oldest - 1 ? 'updates_dropped' : null;
  }

  #connect(socket: WebSocket, query: StreamQuery): void {
    const client: Client = { socket, jobId: query.job_id ?? null };
    this.#clients.add(client);
    socket.on('close', () => this.#clients.delete(client));
    socket.on('error', () => this.#clients.delete(client));
    if (query.since === undefined) return;
    const reason = this.#resyncReason(query);
    if (reason !== null) {
      const resync: JobStreamMessage = { type: 'resync', epoch: this.epoch, seq: this.#seq, reason };
      this.#send(client, JSON.stringify(resync));
    }
    // After a resync the client has re-read the jobs: it still gets every update of this epoch
    // that is retained, so nothing that happened since the agent started is missed.
    const after = reason === 'epoch_changed' ? 0 : query.since;
    for (const update of this.#retained) {
      if (update.seq > after && (client.jobId === null || update.jobId === client.jobId)) this.#send(client, update.text);
    }
  }
}
