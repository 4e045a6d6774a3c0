import { z } from 'zod';

const positiveInt = z.number().int().positive();

/** The config file's schema (SPEC §4). `.strict()` everywhere: an unknown key is an error. */
export const configSchema = z
  .object({
    server: z
      .object({
        bind_address: z.string().min(1).default('0.0.0.0'),
        port: z.number().int().min(1).max(65535).default(12443),
      })
      .strict()
      .default({ bind_address: '0.0.0.0', port: 12443 }),
    tls: z
      .object({
        ca: z.string().min(1).default('/etc/linux_patch_api/certs/ca.pem'),
        cert: z.string().min(1).default('/etc/linux_patch_api/certs/server.pem'),
        key: z.string().min(1).default('/etc/linux_patch_api/certs/server.key'),
        crl: z.string().min(1).nullable().default(null),
        max_client_cert_days: z.number().int().min(0).default(366),
      })
      .strict()
      .default({
        ca: '/etc/linux_patch_api/certs/ca.pem',
        cert: '/etc/linux_patch_api/certs/server.pem',
        key: '/etc/linux_patch_api/certs/server.key',
        crl: null,
        max_client_cert_days: 366,
      }),
    whitelist_file: z.string().min(1).default('/etc/linux_patch_api/whitelist.yaml'),
    paths: z
      .object({
        state_dir: z.string().min(1).default('/var/lib/linux_patch_api'),
        log_dir: z.string().min(1).default('/var/log/linux_patch_api'),
      })
      .strict()
      .default({ state_dir: '/var/lib/linux_patch_api', log_dir: '/var/log/linux_patch_api' }),
    jobs: z
      .object({
        max_concurrent: positiveInt.default(5),
        timeout_seconds: positiveInt.default(1800),
        max_queued: positiveInt.default(100),
        retention_seconds: positiveInt.default(86400),
        lock_wait_seconds: positiveInt.default(60),
      })
      .strict()
      .default({ max_concurrent: 5, timeout_seconds: 1800, max_queued: 100, retention_seconds: 86400, lock_wait_seconds: 60 }),
    rollback: z
      .object({
        store_max_mb: z.number().nonnegative().default(512),
        store_days: positiveInt.default(14),
      })
      .strict()
      .default({ store_max_mb: 512, store_days: 14 }),
    backend: z
      .object({
        name: z.string().min(1).default('auto'),
        root: z.string().min(1).nullable().default(null),
        /** The apk backend's binary; null = looked up in /sbin, /usr/sbin, /bin, /usr/bin, then PATH. */
        apk_path: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ name: 'auto', root: null, apk_path: null }),
    audit: z
      .object({
        sinks: z.array(z.string().min(1)).min(1).default(['auto']),
        retention_days: positiveInt.default(30),
      })
      .strict()
      .default({ sinks: ['auto'], retention_days: 30 }),
    advisories: z
      .object({
        /** The Debian security tracker's JSON, synced by the operator (the agent never downloads it). */
        debian_tracker_json: z.string().min(1).nullable().default(null),
        /** Alpine's secdb JSON (secdb.alpinelinux.org/<release>/main.json), synced by the operator. */
        alpine_secdb_json: z.string().min(1).nullable().default(null),
        /** The Arch security tracker's AVG list (security.archlinux.org/issues/all.json, what arch-audit reads), synced by the operator. */
        arch_audit_json: z.string().min(1).nullable().default(null),
      })
      .strict()
      .default({ debian_tracker_json: null, alpine_secdb_json: null, arch_audit_json: null }),
    plugins: z.array(z.string().min(1)).default([]),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

/** The whitelist file: `allowed:` addresses or CIDR ranges. A missing or empty list admits nobody. */
export const whitelistSchema = z
  .object({
    allowed: z.array(z.string().min(1)).nullable().default([]),
  })
  .strict();

export type Whitelist = z.infer<typeof whitelistSchema>;
