/**
 * The queue's tunables, read from the environment once at the boundary and
 * checked (a bad value is a ConfigError naming the variable). They are
 * variables rather than flags because every machine of a sweep should agree
 * on them and they rarely change.
 *
 * - ODELAB_QUEUE_PREFIX (default `odelab`): the Redis key prefix of every
 *   queue and key odelab uses; separate prefixes are separate queues on one
 *   Redis (teams, tests).
 * - ODELAB_QUEUE_LOCK_MS (default 30000, BullMQ's): how long a worker's claim
 *   on a trial lasts without renewal. The worker renews it every half of it
 *   from its main thread (trials train in other threads or processes, so a
 *   busy trial does not delay the renewal).
 * - ODELAB_QUEUE_STALLED_MS (default 30000, BullMQ's): how often workers look
 *   for trials whose claim expired (a killed worker, a lost machine) and put
 *   them back in the queue. A dead worker's trial is taken up again after
 *   at most about LOCK + 2 × STALLED (90 s with the defaults; 8 s in the tests).
 * - ODELAB_QUEUE_MAX_STALLED (default 1, BullMQ's): how many times one attempt
 *   may be taken back that way; one more and the attempt fails (and counts
 *   against --max-failures), so a trial that keeps killing its machines ends.
 */
import { ConfigError } from '../errors.ts';

export interface QueueSettings {
  prefix: string;
  lockMs: number;
  stalledMs: number;
  maxStalled: number;
}

export const QUEUE_DEFAULTS: QueueSettings = { prefix: 'odelab', lockMs: 30_000, stalledMs: 30_000, maxStalled: 1 };

type Env = Record<string, string | undefined>;

export function queueSettings(env: Env = process.env): QueueSettings {
  const prefix = env.ODELAB_QUEUE_PREFIX ?? QUEUE_DEFAULTS.prefix;
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(prefix)) {
    throw new ConfigError('ODELAB_QUEUE_PREFIX', `ODELAB_QUEUE_PREFIX must be 1 to 64 letters, digits, '_', '.' or '-', got '${prefix}'`);
  }
  return {
    prefix,
    lockMs: integer(env, 'ODELAB_QUEUE_LOCK_MS', QUEUE_DEFAULTS.lockMs, 1000),
    stalledMs: integer(env, 'ODELAB_QUEUE_STALLED_MS', QUEUE_DEFAULTS.stalledMs, 500),
    maxStalled: integer(env, 'ODELAB_QUEUE_MAX_STALLED', QUEUE_DEFAULTS.maxStalled, 0),
  };
}

function integer(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!(Number.isInteger(v) && v >= min)) throw new ConfigError(name, `${name} must be an integer ≥ ${min}, got '${raw}'`);
  return v;
}
