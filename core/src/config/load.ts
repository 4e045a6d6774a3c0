import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { LpaError } from '../errors.js';
import { AllowList } from '../http/allow-list.js';
import { type Config, configSchema, whitelistSchema } from './schema.js';

/** A validated config together with the allow-list its whitelist file holds. */
export interface Settings {
  readonly configPath: string;
  readonly config: Config;
  readonly allowList: AllowList;
}

function invalid(file: string, reason: string, position: { line: number; column: number } | null = null): LpaError {
  return new LpaError('LPA_ERR_CONFIG_INVALID', `${file}: ${reason}`, { details: { file, reason, ...position } });
}

async function readYaml(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw invalid(path, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  // An empty file is refused rather than read as "all defaults": it is what a reload sees in the
  // middle of a non-atomic save, and applying it would rebind the agent and drop its TLS paths.
  if (text.trim() === '')
    throw invalid(path, 'the file is empty (write `{}` for all defaults, or `allowed: []` to admit nobody)');
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const firstError = document.errors[0];
  if (firstError !== undefined) {
    const { line, col } = lineCounter.linePos(firstError.pos[0]);
    throw invalid(path, `invalid YAML at line ${line}, column ${col}: ${firstError.message.split('\n')[0]}`, {
      line,
      column: col,
    });
  }
  return document.toJS() ?? {};
}

/** One line per problem, each naming its key path (`tls.max_client_cert_days: …`, `unknown key tls.foo`). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .flatMap((issue) => {
      const at = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => `unknown key ${at === '' ? key : `${at}.${key}`}`);
      return [`${at === '' ? '(top level)' : at}: ${issue.message}`];
    })
    .join('; ');
}

function resolvePath(base: string, path: string): string;
function resolvePath(base: string, path: string | null): string | null;
function resolvePath(base: string, path: string | null): string | null {
  return path === null || isAbsolute(path) ? path : resolve(base, path);
}

/** Relative paths in the config mean relative to the config file's directory. */
function resolvePaths(config: Config, base: string): Config {
  return {
    ...config,
    tls: {
      ...config.tls,
      ca: resolvePath(base, config.tls.ca),
      cert: resolvePath(base, config.tls.cert),
      key: resolvePath(base, config.tls.key),
      crl: resolvePath(base, config.tls.crl),
    },
    whitelist_file: resolvePath(base, config.whitelist_file),
    paths: { state_dir: resolvePath(base, config.paths.state_dir), log_dir: resolvePath(base, config.paths.log_dir) },
    backend: {
      ...config.backend,
      root: resolvePath(base, config.backend.root),
      apk_path: resolvePath(base, config.backend.apk_path),
    },
    advisories: {
      debian_tracker_json: resolvePath(base, config.advisories.debian_tracker_json),
      alpine_secdb_json: resolvePath(base, config.advisories.alpine_secdb_json),
      arch_audit_json: resolvePath(base, config.advisories.arch_audit_json),
    },
    plugins: config.plugins.map((plugin) =>
      plugin.startsWith('./') || plugin.startsWith('../') ? resolve(base, plugin) : plugin,
    ),
  };
}

export async function loadConfig(configPath: string): Promise<Config> {
  const absolute = resolve(configPath);
  const parsed = configSchema.safeParse(await readYaml(absolute));
  if (!parsed.success) throw invalid(absolute, describeIssues(parsed.error));
  return resolvePaths(parsed.data, dirname(absolute));
}

/** A missing whitelist file is an empty list: it admits nobody (deny by default). */
export async function loadAllowList(whitelistPath: string): Promise<AllowList> {
  if (!existsSync(whitelistPath)) return new AllowList([]);
  const parsed = whitelistSchema.safeParse(await readYaml(whitelistPath));
  if (!parsed.success) throw invalid(whitelistPath, describeIssues(parsed.error));
  try {
    return new AllowList(parsed.data.allowed ?? []);
  } catch (error) {
    throw invalid(whitelistPath, (error as Error).message);
  }
}

/** Loads and validates the config and its whitelist as a whole: both are good, or this throws. */
export async function loadSettings(configPath: string): Promise<Settings> {
  const config = await loadConfig(configPath);
  const allowList = await loadAllowList(config.whitelist_file);
  return { configPath: resolve(configPath), config, allowList };
}
