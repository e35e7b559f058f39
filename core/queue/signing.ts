/**
 * Signed queue messages: a worker runs code only from whoever holds the
 * queue's key.
 *
 * A queued sweep's code travels through Redis (code-bundle.ts) and workers
 * run it, so anyone who can write to that Redis could otherwise make every
 * worker run their code. As Celery's message signing does, the sweep command
 * and the workers share a secret, `ODELAB_QUEUE_KEY`: the sweep signs the code
 * bundle (its files) and every trial job (task, code reference, label,
 * version) with HMAC-SHA256 (node:crypto), and a worker checks both, with a
 * constant-time comparison, before it writes or imports any of the code. A
 * bundle or job that is unsigned, signed with another key, or altered after
 * signing is refused: the worker logs it and the job fails with the reason,
 * so the trial ends FAILED saying why.
 *
 * Without a key `odelab sweep --queue` and `odelab worker` refuse to start,
 * unless the user opts out for a trusted network with `--insecure-queue` or
 * `ODELAB_QUEUE_INSECURE=1` (then nothing is signed or checked, and a warning
 * says so). The key is never logged, stored in Redis or recorded on a run.
 *
 * What is signed is the canonical JSON of the value (object keys sorted), so
 * the signature does not depend on how Redis or BullMQ re-serialise it, and a
 * domain string ('bundle', 'job') so that one kind can never pass for the other.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors.ts';

export const QUEUE_KEY_ENV = 'ODELAB_QUEUE_KEY';
export const QUEUE_INSECURE_ENV = 'ODELAB_QUEUE_INSECURE';
export const INSECURE_FLAG = '--insecure-queue';
/** A shorter secret is too easy to guess offline from one signed job. */
export const MIN_KEY_LENGTH = 16;

export type SignedKind = 'bundle' | 'job';

/** A message that failed its check: never run. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
}

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export class QueueSigner {
  private constructor(private readonly key: Buffer | undefined) {}

  /** Sign with `key` (at least MIN_KEY_LENGTH characters). */
  static withKey(key: string): QueueSigner {
    if (key.length < MIN_KEY_LENGTH) throw new Error(`a queue key must have at least ${MIN_KEY_LENGTH} characters`);
    return new QueueSigner(Buffer.from(key, 'utf8'));
  }

  /** Neither sign nor check (the user's explicit opt-out). */
  static insecure(): QueueSigner {
    return new QueueSigner(undefined);
  }

  get secure(): boolean {
    return this.key !== undefined;
  }

  /** The signature of `value` as `kind` (hex), or undefined without a key. */
  sign(kind: SignedKind, value: unknown): string | undefined {
    if (!this.key) return undefined;
    return createHmac('sha256', this.key).update(`odelab-queue-${kind}\0`).update(canonicalJson(value)).digest('hex');
  }

  /** Throw a SignatureError unless `mac` is `value`'s signature as `kind` (always passes without a key). */
  verify(kind: SignedKind, value: unknown, mac: unknown, what: string): void {
    if (!this.key) return;
    if (typeof mac !== 'string' || mac === '') {
      throw new SignatureError(`refused ${what}: it carries no signature (the sweep was started without ${QUEUE_KEY_ENV}, or someone else queued it)`);
    }
    const expected = Buffer.from(this.sign(kind, value)!, 'hex');
    const given = Buffer.from(/^[0-9a-f]{64}$/.test(mac) ? mac : '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new SignatureError(`refused ${what}: its signature does not match (altered in Redis, or signed with another ${QUEUE_KEY_ENV})`);
    }
  }
}

/**
 * The signer of a queue command from its environment: the key, or the
 * explicit opt-out. A ConfigError naming ODELAB_QUEUE_KEY when there is neither
 * or the key is too short.
 * @param insecureFlag `--insecure-queue` was given.
 * @param command the command, for the message (`odelab worker`).
 */
export function queueSigner(command: string, insecureFlag: boolean, env: Readonly<Record<string, string | undefined>> = process.env): QueueSigner {
  const insecureEnv = env[QUEUE_INSECURE_ENV];
  if (insecureEnv !== undefined && insecureEnv !== '' && insecureEnv !== '0' && insecureEnv !== '1') {
    throw new ConfigError(QUEUE_INSECURE_ENV, `${QUEUE_INSECURE_ENV} must be 1 (or 0 / unset), got '${insecureEnv}'`);
  }
  if (insecureFlag || insecureEnv === '1') return QueueSigner.insecure();
  const key = env[QUEUE_KEY_ENV];
  if (key === undefined || key === '') {
    throw new ConfigError(
      QUEUE_KEY_ENV,
      `${command} needs ${QUEUE_KEY_ENV}: a secret of at least ${MIN_KEY_LENGTH} characters shared by odelab sweep --queue and every odelab worker ` +
        `(e.g. openssl rand -hex 32), so that workers run only code signed with it; on a trusted network you may opt out with ${INSECURE_FLAG} or ${QUEUE_INSECURE_ENV}=1`,
    );
  }
  if (key.length < MIN_KEY_LENGTH) {
    throw new ConfigError(QUEUE_KEY_ENV, `${QUEUE_KEY_ENV} must have at least ${MIN_KEY_LENGTH} characters, got ${key.length}`);
  }
  return QueueSigner.withKey(key);
}

/** The warning printed when a queue command runs without signing. */
export const INSECURE_WARNING =
  `queue messages are not signed (${INSECURE_FLAG} / ${QUEUE_INSECURE_ENV}=1): anyone who can write to this Redis can make workers run their code`;
