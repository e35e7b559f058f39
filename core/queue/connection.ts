/**
 * Redis connections for the queue. BullMQ 6 takes its Redis driver from the
 * caller in an ES module (it cannot `require` ioredis there), so every queue
 * object gets an ioredis client made here from the checked address;
 * BullMQ duplicates it for its blocking reads. `connect` checks, before any
 * work, that Redis answers (a ConfigError naming the flag otherwise: the
 * address is the user's input) and says when Redis is set up to lose jobs.
 */
import { Redis } from 'ioredis';
import { ConfigError } from '../errors.ts';
import type { RedisAddress } from './redis-url.ts';

const CONNECT_TIMEOUT_MS = 10_000;

/** A new client; it reconnects on its own after a Redis restart. */
export function redisClient(address: RedisAddress): Redis {
  const client = new Redis({ ...address.options, lazyConnect: true });
  // While Redis is away every reconnect fails; the queue objects report that (throttled), not ioredis on stderr.
  client.on('error', () => {});
  return client;
}

/**
 * A connected client, or a ConfigError saying why Redis at `address` cannot be used.
 * @param source the flag the address came from (`--queue`).
 * @returns the client and warnings about the server's settings.
 */
export async function connect(address: RedisAddress, source = '--queue'): Promise<{ client: Redis; warnings: string[] }> {
  const client = new Redis({ ...address.options, lazyConnect: true, retryStrategy: () => null, connectTimeout: CONNECT_TIMEOUT_MS });
  // The cause (refused, TLS, a wrong password) comes as an 'error' event; the rejection only says the connection closed.
  let cause: unknown;
  client.on('error', (e: unknown) => (cause ??= e));
  try {
    await client.connect();
    await client.ping();
    if (cause) throw cause; // connected, but e.g. the database number was refused
  } catch (e) {
    client.disconnect();
    throw new ConfigError(source, `${source}: cannot use Redis at ${address.display}: ${describe(cause ?? e)}`);
  }
  client.disconnect();
  const ready = redisClient(address);
  await ready.connect();
  return { client: ready, warnings: await settingsWarnings(ready) };
}

/** What in the server's configuration can lose queued trials (docs/sweeps.md, "Sweeps across machines"). */
async function settingsWarnings(client: Redis): Promise<string[]> {
  const warnings: string[] = [];
  const get = async (name: string) => {
    try {
      const reply = (await client.config('GET', name)) as string[];
      return reply[1];
    } catch {
      return undefined; // CONFIG is often disabled on managed Redis: nothing to say then
    }
  };
  const policy = await get('maxmemory-policy');
  if (policy !== undefined && policy !== 'noeviction') warnings.push(`Redis maxmemory-policy is '${policy}': under memory pressure it evicts queued trials; set it to noeviction`);
  const aof = await get('appendonly');
  if (aof === 'no') warnings.push('Redis has appendonly no: a Redis restart loses queued and running trials (AOF off)');
  return warnings;
}

function describe(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const msg = err?.message ?? String(e);
  // ioredis messages carry host and port, never the password; keep them short.
  return err?.code && !msg.includes(err.code) ? `${err.code} ${msg}` : msg;
}
