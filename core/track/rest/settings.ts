/**
 * The settings of odelab's MLflow REST transport, read once at the boundary.
 *
 * They come from MLflow's own environment variables, so that a shell set up
 * for the MLflow Python client works unchanged, and can be given as
 * constructor options (which win; tests use small values):
 *
 *   MLFLOW_HTTP_REQUEST_TIMEOUT          seconds per attempt (default 120)
 *   MLFLOW_HTTP_REQUEST_MAX_RETRIES      retries after the first attempt (default 7, as MLflow >= 2.20; 0..10)
 *   MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR   exponential backoff factor in seconds (default 2; 0..120)
 *   MLFLOW_HTTP_REQUEST_BACKOFF_JITTER   up to this many seconds added at random (default 1)
 *   MLFLOW_TRACKING_USERNAME + _PASSWORD HTTP basic auth (both or neither)
 *   MLFLOW_TRACKING_TOKEN                bearer auth, when basic is not configured
 *   MLFLOW_TRACKING_INSECURE_TLS         true/false/1/0: skip certificate verification
 *   MLFLOW_TRACKING_SERVER_CERT_PATH     a CA bundle to trust instead of the system's
 *
 * Credentials written into the tracking URI (`http://user:pass@host`) are
 * taken out and used as basic auth; precedence follows MLflow's client (on
 * `requests`): the username/password variables, then the URI's credentials,
 * then the token. The URI kept for display never holds them. An empty
 * variable counts as unset. A bad value is a ConfigError naming the variable
 * (or the option), raised before any request. Options odelab does not
 * implement (a client certificate, MLflow's auth plugins, AWS SigV4) are
 * refused rather than silently ignored.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';
import type { RetryEvent } from './retry.ts';

/** Constructor options of the transport; each overrides its MLflow variable. */
export interface TransportOptions {
  /** Seconds before one attempt is abandoned (MLFLOW_HTTP_REQUEST_TIMEOUT). */
  timeout?: number;
  /** Retries after the first attempt (MLFLOW_HTTP_REQUEST_MAX_RETRIES). */
  maxRetries?: number;
  /** Backoff factor in seconds (MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR). */
  backoffFactor?: number;
  /** Random extra wait of up to this many seconds (MLFLOW_HTTP_REQUEST_BACKOFF_JITTER). */
  backoffJitter?: number;
  /** Where MLflow's variables are read from (default: process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Waits between attempts (default: setTimeout); injectable so that tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Uniform random numbers in [0, 1) for the jitter (default: Math.random). */
  random?: () => number;
  /** The clock an HTTP-date Retry-After is measured against, in ms since the epoch (default: Date.now). */
  now?: () => number;
  /** Told before each retry's wait (default: nothing; the tracker plugin writes a line to stderr). */
  onRetry?: (event: RetryEvent) => void;
}

export type Auth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface TransportSettings {
  /** The tracking URI without credentials, query or trailing slash: `https://host:5000/prefix`. */
  baseUrl: string;
  timeoutMs: number;
  maxRetries: number;
  backoffFactor: number;
  backoffJitter: number;
  auth?: Auth;
  /** Skip certificate verification (MLFLOW_TRACKING_INSECURE_TLS). */
  insecureTls: boolean;
  /** PEM CA bundle to trust (MLFLOW_TRACKING_SERVER_CERT_PATH). */
  ca?: Buffer;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  onRetry?: (event: RetryEvent) => void;
}

export const DEFAULTS = { timeout: 120, maxRetries: 7, backoffFactor: 2, backoffJitter: 1 } as const;
/** MLflow refuses more retries than this (`_MLFLOW_HTTP_REQUEST_MAX_RETRIES_LIMIT`). */
export const MAX_RETRIES_LIMIT = 10;
/** MLflow refuses a larger backoff factor (`_MLFLOW_HTTP_REQUEST_MAX_BACKOFF_FACTOR_LIMIT`). */
export const MAX_BACKOFF_FACTOR = 120;

const ENV = {
  timeout: 'MLFLOW_HTTP_REQUEST_TIMEOUT',
  maxRetries: 'MLFLOW_HTTP_REQUEST_MAX_RETRIES',
  backoffFactor: 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR',
  backoffJitter: 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER',
} as const;

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Hide the credentials of a URI-like string (for messages about a URI that did not parse). */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
}

/** Split `http(s)://user:pass@host/prefix` into the URI without credentials and the credentials. */
export function splitCredentials(uri: string): { baseUrl: string; username?: string; password?: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError('tracking URI', `tracking URI '${redactUri(uri)}' is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('tracking URI', `tracking URI '${redactUri(uri)}' must be http:// or https://`);
  }
  if (url.search || url.hash) {
    throw new ConfigError('tracking URI', `tracking URI '${redactUri(uri)}' must not have a query or fragment`);
  }
  const username = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  url.username = '';
  url.password = '';
  return { baseUrl: url.href.replace(/\/+$/, ''), username, password };
}

type Check = (v: number) => boolean;

function numberSetting(
  key: keyof typeof ENV,
  options: TransportOptions,
  env: Readonly<Record<string, string | undefined>>,
  ok: Check,
  expected: string,
): number {
  const given = options[key];
  if (given !== undefined) {
    if (typeof given !== 'number' || !ok(given)) {
      throw new ConfigError(`options.${key}`, `options.${key} must be ${expected}, got ${String(given)}`);
    }
    return given;
  }
  const raw = env[ENV[key]];
  if (raw === undefined || raw.trim() === '') return DEFAULTS[key];
  const v = Number(raw.trim());
  if (!ok(v)) throw new ConfigError(ENV[key], `${ENV[key]} must be ${expected}, got '${raw}'`);
  return v;
}

function booleanVariable(env: Readonly<Record<string, string | undefined>>, name: string): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return false;
  const v = raw.trim().toLowerCase();
  if (!['true', 'false', '1', '0'].includes(v)) {
    throw new ConfigError(name, `${name} must be one of true, false, 1, 0 (any case), got '${raw}'`);
  }
  return v === 'true' || v === '1';
}

function resolveAuth(env: Readonly<Record<string, string | undefined>>, fromUri: { username?: string; password?: string }): Auth | undefined {
  const username = env.MLFLOW_TRACKING_USERNAME || undefined;
  const password = env.MLFLOW_TRACKING_PASSWORD || undefined;
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'MLFLOW_TRACKING_USERNAME' : 'MLFLOW_TRACKING_PASSWORD';
    throw new ConfigError(missing, `basic auth needs both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD; ${missing} is not set`);
  }
  if (username !== undefined && password !== undefined) return { kind: 'basic', username, password };
  if (fromUri.username !== undefined) return { kind: 'basic', username: fromUri.username, password: fromUri.password ?? '' };
  const token = env.MLFLOW_TRACKING_TOKEN || undefined;
  return token === undefined ? undefined : { kind: 'bearer', token };
}

function refuseUnsupported(env: Readonly<Record<string, string | undefined>>): void {
  if (env.MLFLOW_TRACKING_CLIENT_CERT_PATH) {
    throw new ConfigError('MLFLOW_TRACKING_CLIENT_CERT_PATH', 'MLFLOW_TRACKING_CLIENT_CERT_PATH (TLS client certificates) is not supported by odelab\'s MLflow client; unset it');
  }
  if (env.MLFLOW_TRACKING_AUTH) {
    throw new ConfigError('MLFLOW_TRACKING_AUTH', 'MLFLOW_TRACKING_AUTH (MLflow auth plugins) is not supported by odelab\'s MLflow client; use MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN');
  }
  if (booleanVariable(env, 'MLFLOW_TRACKING_AWS_SIGV4')) {
    throw new ConfigError('MLFLOW_TRACKING_AWS_SIGV4', 'MLFLOW_TRACKING_AWS_SIGV4 (AWS request signing) is not supported by odelab\'s MLflow client');
  }
}

function readCaBundle(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ConfigError('MLFLOW_TRACKING_SERVER_CERT_PATH', `MLFLOW_TRACKING_SERVER_CERT_PATH: cannot read the CA bundle '${path}' (${why})`);
  }
}

/** Validate the URI, the options and MLflow's variables into the transport's settings. */
export function resolveSettings(uri: string, options: TransportOptions = {}): TransportSettings {
  const env = options.env ?? process.env;
  const { baseUrl, ...fromUri } = splitCredentials(uri);
  refuseUnsupported(env);
  const timeout = numberSetting('timeout', options, env, (v) => Number.isFinite(v) && v > 0, 'a positive number of seconds');
  const maxRetries = numberSetting('maxRetries', options, env, (v) => Number.isInteger(v) && v >= 0 && v <= MAX_RETRIES_LIMIT, `an integer from 0 to ${MAX_RETRIES_LIMIT}`);
  const backoffFactor = numberSetting('backoffFactor', options, env, (v) => Number.isFinite(v) && v >= 0 && v <= MAX_BACKOFF_FACTOR, `a number of seconds from 0 to ${MAX_BACKOFF_FACTOR}`);
  const backoffJitter = numberSetting('backoffJitter', options, env, (v) => Number.isFinite(v) && v >= 0, 'a non-negative number of seconds');
  const insecureTls = booleanVariable(env, 'MLFLOW_TRACKING_INSECURE_TLS');
  const certPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH || undefined;
  if (insecureTls && certPath !== undefined) {
    throw new ConfigError(
      'MLFLOW_TRACKING_INSECURE_TLS',
      'MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH are both set; set only one (MLflow refuses both too)',
    );
  }
  return {
    baseUrl,
    timeoutMs: timeout * 1000,
    maxRetries,
    backoffFactor,
    backoffJitter,
    auth: resolveAuth(env, fromUri),
    insecureTls,
    ca: certPath === undefined ? undefined : readCaBundle(certPath),
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
    onRetry: options.onRetry,
  };
}
