/**
 * The Redis address of a queue, from `--queue`: `redis://[user:password@]host[:port][/db]`,
 * or `rediss://…` for TLS. Parsed and checked once at the boundary into the
 * ioredis options every queue object is built from, and a redacted form
 * (`redis://***@host:6379/0`) that is the only form ever printed, logged as
 * a param or tag, or put into an error message: the password stays in memory.
 */
import type { RedisOptions } from 'ioredis';
import { ConfigError } from '../errors.ts';

export interface RedisAddress {
  /** The URL with any user name and password replaced by `***`: safe to print and log. */
  display: string;
  host: string;
  port: number;
  db: number;
  tls: boolean;
  /** ioredis connection options (credentials included); never print these. */
  options: RedisOptions;
}

const DEFAULT_PORT = 6379;
const MAX_DB = 1 << 20;

/**
 * Parse and check a Redis URL.
 * @param raw the URL as given.
 * @param source the flag or variable it came from, for messages (`--queue`).
 * @returns the address; a ConfigError naming `source` for anything malformed.
 */
export function parseRedisUrl(raw: string, source = '--queue'): RedisAddress {
  const bad = (what: string) => new ConfigError(source, `${source} ${what}; expected redis://[user:password@]host[:port][/db] or rediss://… (TLS)`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The input may hold a password: say what is wrong without echoing it.
    throw bad('is not a URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw bad(`has scheme '${url.protocol.replace(/:$/, '')}'`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw bad('has no host');
  const port = url.port ? Number(url.port) : DEFAULT_PORT;
  if (!(Number.isInteger(port) && port >= 1 && port <= 65535)) throw bad(`has an invalid port '${url.port}'`);
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) throw bad(`has path '/${path}': the path may only be a database number`);
  const db = path === '' ? 0 : Number(path);
  if (db >= MAX_DB) throw bad(`has database ${db}, out of range`);
  if (url.search || url.hash) throw bad('has a query or fragment: odelab takes no URL options (settings are ODELAB_QUEUE_* variables)');
  const username = decode(url.username, source);
  const password = decode(url.password, source);
  const tls = url.protocol === 'rediss:';
  const options: RedisOptions = {
    host,
    port,
    db,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(tls ? { tls: { servername: host } } : {}),
    // BullMQ's workers and event readers block on Redis: they need requests never to give up.
    maxRetriesPerRequest: null,
  };
  const hostPart = host.includes(':') ? `[${host}]` : host;
  const display = `${url.protocol}//${username || password ? '***@' : ''}${hostPart}:${port}/${db}`;
  return { display, host, port, db, tls, options };
}

function decode(part: string, source: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(source, `${source} has a badly percent-encoded user name or password`);
  }
}
