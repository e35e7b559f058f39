/**
 * Where the run spool lives and how long a run waits for the tracking server
 * when it ends, read once at the boundary from explicit options or the
 * environment, with errors that name the variable.
 *
 *   ODELAB_SPOOL_DIR       absolute path of the spool root
 *                          (default `${XDG_CACHE_HOME:-~/.cache}/odelab/spool`)
 *   ODELAB_FLUSH_TIMEOUT   seconds `RunLogger.end` waits for every record to be
 *                          acknowledged before leaving the rest to `odelab sync`
 *                          (default 60; 0 = do not wait)
 */
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors.ts';

export const DEFAULT_FLUSH_TIMEOUT_S = 60;
/** setTimeout's limit is ~24.8 days; a day is plenty for a flush. */
const MAX_FLUSH_TIMEOUT_S = 86_400;

export interface SpoolSettings {
  /** Absolute path of the spool root (one folder per run below it). */
  root: string;
  /** How long `end()` waits for the tracking server, in milliseconds. */
  flushTimeoutMs: number;
}

export interface SpoolSettingsInput {
  /** Overrides ODELAB_SPOOL_DIR (relative paths resolve against the cwd). */
  spoolDir?: string;
  /** Overrides ODELAB_FLUSH_TIMEOUT, in seconds. */
  flushTimeoutS?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The default spool root: XDG's cache folder (a relative XDG_CACHE_HOME is ignored, as the spec says). */
export function defaultSpoolRoot(env: Env = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const cache = xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
  return join(cache, 'odelab', 'spool');
}

/** The spool root from `spoolDir` (a CLI flag or option), else ODELAB_SPOOL_DIR, else the default. */
export function resolveSpoolRoot(spoolDir: string | undefined, env: Env = process.env, field = 'spoolDir'): string {
  if (spoolDir !== undefined) {
    if (spoolDir.trim() === '' || spoolDir.includes('\0')) throw new ConfigError(field, `${field} must be a folder path, got '${spoolDir}'`);
    return resolve(spoolDir);
  }
  const fromEnv = env.ODELAB_SPOOL_DIR;
  if (fromEnv === undefined || fromEnv === '') return defaultSpoolRoot(env);
  if (!isAbsolute(fromEnv) || fromEnv.includes('\0')) {
    throw new ConfigError('ODELAB_SPOOL_DIR', `ODELAB_SPOOL_DIR must be an absolute folder path, got '${fromEnv}'`);
  }
  return resolve(fromEnv);
}

/** The flush timeout in seconds from `seconds` (an option), else ODELAB_FLUSH_TIMEOUT, else the default. */
export function resolveFlushTimeoutS(seconds: number | undefined, env: Env = process.env, field = 'flushTimeoutS'): number {
  if (seconds !== undefined) {
    if (!(Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_FLUSH_TIMEOUT_S)) {
      throw new ConfigError(field, `${field} must be a number of seconds from 0 to ${MAX_FLUSH_TIMEOUT_S}, got ${seconds}`);
    }
    return seconds;
  }
  const raw = env.ODELAB_FLUSH_TIMEOUT;
  if (raw === undefined || raw === '') return DEFAULT_FLUSH_TIMEOUT_S;
  const value = Number(raw.trim());
  if (!/^\d+(\.\d*)?$/.test(raw.trim()) || value > MAX_FLUSH_TIMEOUT_S) {
    throw new ConfigError(
      'ODELAB_FLUSH_TIMEOUT',
      `ODELAB_FLUSH_TIMEOUT must be a number of seconds from 0 to ${MAX_FLUSH_TIMEOUT_S}, got '${raw}'`,
    );
  }
  return value;
}

/** Both settings, validated (a ConfigError names the option or variable at fault). */
export function spoolSettings(input: SpoolSettingsInput = {}, env: Env = process.env): SpoolSettings {
  return {
    root: resolveSpoolRoot(input.spoolDir, env),
    flushTimeoutMs: Math.round(resolveFlushTimeoutS(input.flushTimeoutS, env) * 1000),
  };
}
