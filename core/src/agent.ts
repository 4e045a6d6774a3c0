import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { startChainCheckpoints } from './audit/chain-checkpoints.js';
import { openAuditTrail } from './audit/open-audit-trail.js';
import { ReopenableAuditTrail } from './audit/reopenable-trail.js';
import type { AuditTrail } from './audit/trail.js';
import { PackageCache } from './cache/package-cache.js';
import type { ConfigManagerEvents } from './config/manager.js';
import { ConfigManager } from './config/manager.js';
import type { Config } from './config/schema.js';
import { assertUsable, assertUsablePaths, installedBackendNames } from './config/usable.js';
import type { AuditEventName } from './contracts/audit.js';
import type { Plugin } from './contracts/plugin.js';
import { LpaError } from './errors.js';
import { createHooks } from './hooks.js';
import { type AgentApp, createApp, type RequestGate } from './http/app.js';
import { exclusiveGate } from './http/exclusive-gate.js';
import { allRoutes } from './http/routes/index.js';
import { SecureServer } from './http/server.js';
import { crlCondition, crlRegression, loadTlsMaterial } from './http/tls/material.js';
import { TlsMaterialManager } from './http/tls/material-manager.js';
import { JobUpdateStream } from './http/websocket.js';
import { tapJobAudit } from './jobs/audit-tap.js';
import { JobManager } from './jobs/job-manager.js';
import { tapJobLog } from './jobs/log-tap.js';
import { MutationLock } from './jobs/mutation-lock.js';
import { startPlugins } from './loader/start-plugins.js';
import { createLogger } from './logger.js';
import { RollbackStore } from './rollback-store/rollback-store.js';
import { ProcessRunner } from './runner/process-runner.js';
import { SpawnAttribution } from './runner/spawn-attribution.js';
import type { AgentServices } from './services.js';
import { lastUpdateTime } from './system/last-update-time.js';
import { SelfUpgradeGuard } from './system/self-upgrade.js';
import { CORE_VERSION } from './version.js';

export interface AgentOptions {
  configPath: string;
  /** The operational logger; a pino logger to stdout by default. */
  logger?: Logger;
  /** Overrides the audit trail (tests pass a MemoryAuditTrail). */
  audit?: AuditTrail;
  /** Overrides `server.bind_address` / `server.port` at start (tests listen on port 0). */
  listen?: { host?: string; port?: number };
  /** How long file watchers wait for writes to settle before reloading (ms). */
  watchDebounceMs?: number;
  /** How long stop() lets in-flight requests finish before closing connections (ms). */
  stopGraceMs?: number;
  /**
   * Called when a job has upgraded the agent's own package and the agent should now restart
   * (see system/self-upgrade.ts); `serve` stops and exits with SELF_RESTART_EXIT_CODE.
   */
  onSelfRestart?: () => void;
  /** How often a `chain_checkpoint` seals the audit chain's head (ms, default 5 minutes). */
  chainCheckpointMs?: number;
  /** How long stop() lets running jobs finish before recording them as interrupted (ms, default 60 000). */
  jobStopBoundMs?: number;
  /**
   * Plugin loading and backend selection. `false` skips both (the backend stays null until a test
   * sets services.backend); `builtins` are plugin objects applied first; `discover: false` skips
   * the installed @linux-patch-api/* packages. Default: load per config.
   */
  plugins?: false | { builtins?: readonly Plugin[]; discover?: boolean };
}

export interface RunningAgent {
  readonly services: AgentServices;
  readonly server: SecureServer;
  readonly config: ConfigManager;
  readonly tls: TlsMaterialManager;
  readonly app: AgentApp;
  /** Request gates, run before every route in order (e.g. the rollback exclusive mode). */
  readonly gates: RequestGate[];
  /** The /ws/jobs stream of job updates. */
  readonly jobStream: JobUpdateStream;
  address(): AddressInfo;
  /** Stops accepting, finishes or closes connections, flushes the audit trail. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Until the audit fan-out is wired, records go to the operational log. This keeps every audit
 * call site real while the sinks are being built.
 */
function loggerAuditTrail(logger: Logger): AuditTrail {
  const write = (event: AuditEventName, fields: Record<string, unknown> = {}) =>
    logger.info({ audit: { ...fields, event, timestamp: new Date().toISOString() } }, `audit ${event}`);
  return {
    record: write,
    async recordDurable(event, fields) {
      write(event, fields);
    },
    async flush() {},
    async close() {},
  };
}

/**
 * The composition root. Each numbered step builds one part from the ones before it; a part that
 * fails to build stops the start with its coded error (config, TLS material, plugins, backend).
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  // 1. Operational log.
  const logger = options.logger ?? createLogger();

  // 2. Config and whitelist, validated as a whole. The audit trail is read lazily: it is
  //    replaced below once the sinks exist.
  let services: AgentServices | null = null;
  const auditNow = (): AuditTrail => services?.audit ?? placeholderAudit;
  const placeholderAudit = options.audit ?? loggerAuditTrail(logger);
  const config = await ConfigManager.load(options.configPath, logger, auditNow);
  const initial = config.current().config;
  // The paths must be usable directories before anything opens them (a log_dir under /proc would
  // make the file sink's mkdir spin forever).
  await assertUsablePaths(initial);
  if (!existsSync(initial.whitelist_file))
    logger.warn({ whitelist_file: initial.whitelist_file }, 'the whitelist file does not exist: no address is admitted');

  // 3. Server TLS material: parses, key matches, chains to the CA, not expired.
  const tls = new TlsMaterialManager(await loadTlsMaterial(initial.tls), logger, auditNow);

  // 4. Hooks and the services object every later part receives.
  const hooks = createHooks();
  // The plugins' runner reports which processes a job's backend call starts (job files record them).
  const spawns = new SpawnAttribution();
  services = {
    getConfig: () => config.current().config,
    configPath: config.current().configPath,
    logger,
    hooks,
    audit: placeholderAudit,
    startedAt: new Date(),
    backend: null,
    cacheHealth: async () => ({ cache_status: 'unknown', last_cache_update: null }),
    lastUpdateTime: async () => null,
    conditions: () => [crlCondition(tls.current())].filter((condition): condition is string => condition !== null),
  };
  const startCondition = crlCondition(tls.current());
  if (startCondition !== null) logger.warn({ condition: startCondition }, 'the agent runs degraded');

  // 6. Plugins (installed @linux-patch-api/* packages and `plugins:` entries), then 7. the backend:
  //    `backend.name`, or os-release detection (of `backend.root` when set). A broken plugin or no
  //    fitting backend refuses the start. The audit sinks of step 5 come from plugins.registry.
  const plugins =
    options.plugins === false
      ? null
      : await startPlugins({
          config: initial,
          configPath: config.current().configPath,
          logger,
          hooks,
          runner: spawns.wrap(new ProcessRunner()),
          advisoryFeeds: () => config.current().config.advisories,
          ...(options.plugins?.builtins === undefined ? {} : { plugins: options.plugins.builtins }),
          ...(options.plugins?.discover === undefined ? {} : { discover: options.plugins.discover }),
        });
  services.backend = plugins?.backend ?? null;
  // 5. The audit fan-out over the sinks `audit.sinks` names among those the plugins registered;
  //    the file sink is always the fallback. From here on every record reaches the sinks.
  //    A reload that changes the audit settings replaces the sinks while the agent runs.
  let reopenAudit: ((next: Config, previous: Config) => void) | null = null;
  if (options.audit === undefined && plugins !== null) {
    const definitions = plugins.registry.auditSinks.map((entry) => entry.definition);
    const openFor = (settings: Config) => () =>
      openAuditTrail({
        sinkNames: settings.audit.sinks,
        logDir: settings.paths.log_dir,
        retentionDays: settings.audit.retention_days,
        definitions,
        logger,
      });
    const trail = new ReopenableAuditTrail(await openFor(initial)(), logger);
    services.audit = trail;
    reopenAudit = (next, previous) => {
      void trail.reopen(openFor(next), openFor(previous)).then((applied) => {
        if (applied)
          logger.info({ audit: next.audit, log_dir: next.paths.log_dir }, 'audit sinks reopened with the new settings');
      });
    };
  }
  // 8. Package cache (services.cacheHealth) and the job manager. Both share one lock so that
  //    package-manager processes never overlap, and read the backend and limits lazily.
  const packageManagerLock = new MutationLock();
  const withServices: AgentServices = services;
  const cache = new PackageCache({
    stateDir: initial.paths.state_dir,
    backend: () => withServices.backend,
    lock: packageManagerLock,
    hooks,
    logger,
    lockWaitSeconds: () => config.current().config.jobs.lock_wait_seconds,
  });
  await cache.load();
  // Self-upgrade: while a mutating job runs, package maintainer scripts leave the service restart
  // to the agent, which restarts once the job is recorded.
  const selfUpgrade = new SelfUpgradeGuard({
    stateDir: initial.paths.state_dir,
    logger,
    onRestartDue: () => {
      if (options.onSelfRestart) options.onSelfRestart();
      else logger.warn('a package asked for the agent to restart; restart the service to run the new version');
    },
  });
  await selfUpgrade.start();
  const jobs = new JobManager({
    stateDir: initial.paths.state_dir,
    backend: () => withServices.backend,
    cache,
    lock: packageManagerLock,
    hooks,
    audit: () => withServices.audit,
    logger,
    limits: () => config.current().config.jobs,
    beforeMutation: (job) => selfUpgrade.mutationStarting(job.id),
    spawns,
    rollbackStore: new RollbackStore(initial.paths.state_dir, () => config.current().config.rollback, logger),
  });
  tapJobAudit(
    hooks,
    () => withServices.audit,
    (jobId) => jobs.clientIdentity(jobId),
  );
  tapJobLog(hooks, logger);
  // Ends a job's self-upgrade window after the audit tap has recorded its outcome.
  selfUpgrade.attach(hooks);
  services.cache = cache;
  services.jobs = jobs;
  services.cacheHealth = () => cache.health();
  services.lastUpdateTime = () =>
    lastUpdateTime({ backend: () => withServices.backend, lastJobChange: () => jobs.lastChangeTime(), logger });
  await jobs.start();

  // 9. Routes, request gates and the Koa app.
  const gates: RequestGate[] = [exclusiveGate(services)];
  const app = createApp({ services, routes: allRoutes(services), gates });

  // 10. The secure server: allow-list on the raw connection, TLS 1.3 with client certificates.
  const server = new SecureServer({
    handler: app.callback(),
    material: tls.current(),
    allowList: config.current().allowList,
    maxClientCertDays: initial.tls.max_client_cert_days,
    logger,
    audit: auditNow,
  });
  // The job-update WebSocket (koa-websocket) upgrades on the same server, behind the same allow-list
  // and TLS checks.
  const jobStream = new JobUpdateStream({ hooks, logger, audit: auditNow });
  jobStream.attach(app, server.httpsServer);
  await server.listen(options.listen?.host ?? initial.server.bind_address, options.listen?.port ?? initial.server.port);

  // 11. Reloads: config and whitelist, then TLS files; each is validated before it is swapped in.
  const onConfigChange = (...[next, previous]: ConfigManagerEvents['change']) => {
    server.setAllowList(next.allowList);
    server.setMaxClientCertDays(next.config.tls.max_client_cert_days);
    void tls.usePaths(next.config.tls);
    const before = previous.config.server;
    const after = next.config.server;
    if (before.bind_address !== after.bind_address || before.port !== after.port) {
      server.rebind(after.bind_address, after.port).then(
        (address) => logger.info({ address: address.address, port: address.port }, 'listening on the new address'),
        (error: unknown) => logger.error({ err: error }, 'cannot listen on the new address; the old one stays'),
      );
    }
    const auditBefore = JSON.stringify([previous.config.audit, previous.config.paths.log_dir]);
    if (JSON.stringify([next.config.audit, next.config.paths.log_dir]) !== auditBefore) {
      if (reopenAudit !== null) reopenAudit(next.config, previous.config);
      else logger.warn({ audit: next.config.audit }, 'audit settings changed; this agent keeps the audit trail it was given');
    }
  };
  const runningPlugins = plugins;
  config.setValidator(async (next, previous) => {
    const material = await assertUsable(next, {
      requireWhitelistFile: true,
      backendNames:
        runningPlugins === null
          ? null
          : async () =>
              JSON.stringify(next.config.plugins) === JSON.stringify(previous.config.plugins)
                ? runningPlugins.registry.backends.map((entry) => entry.definition.name)
                : installedBackendNames(next.config, next.configPath, logger),
    });
    const regression = crlRegression(material, tls.current());
    if (regression !== null) throw new LpaError('LPA_ERR_CONFIG_INVALID', `tls.crl: ${regression}`);
  });
  config.on('change', onConfigChange);
  tls.on('change', (material) => server.setMaterial(material));
  config.startWatching(options.watchDebounceMs);
  tls.startWatching(options.watchDebounceMs);

  const address = server.address();
  logger.info({ address: address.address, port: address.port, version: CORE_VERSION }, 'linux-patch-api listening');
  services.audit.record('agent_start', { version: CORE_VERSION, address: address.address, port: address.port, pid: process.pid });
  // 12. The audit chain's head is sealed periodically, and by agent_stop at the end.
  const stopCheckpoints = startChainCheckpoints(() => withServices.audit, options.chainCheckpointMs);

  let stopping: Promise<void> | null = null;
  const running: AgentServices = services;
  return {
    services: running,
    server,
    config,
    tls,
    app,
    gates,
    jobStream,
    address: () => server.address(),
    stop() {
      stopping ??= (async () => {
        await jobs.stop(options.jobStopBoundMs ?? 60_000);
        await cache.close();
        jobStream.close();
        config.close();
        tls.close();
        await server.close(options.stopGraceMs);
        stopCheckpoints();
        running.audit.record('agent_stop', { version: CORE_VERSION, pid: process.pid });
        await running.audit.flush();
        await running.audit.close();
        logger.info('linux-patch-api stopped');
      })();
      return stopping;
    },
  };
}
