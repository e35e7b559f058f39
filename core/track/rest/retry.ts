/**
 * When the MLflow REST transport tries a request again, and how long it waits.
 *
 * The schedule is the one MLflow's Python client gets from urllib3's `Retry`
 * (`backoff_factor`, `backoff_jitter`, `backoff_max` = 120 s): the first retry
 * follows at once, retry k >= 2 waits `factor * 2^(k-1)` seconds plus a
 * uniform random jitter in [0, jitter), at most 120 s. With MLflow's defaults
 * (7 retries, factor 2, jitter 1) that is 0, 4, 8, 16, 32, 64 and 120 s:
 * about four minutes before a request is given up.
 *
 * Retried: connection failures (refused, reset, `socket hang up`, DNS
 * lookups that may succeed later, unreachable networks), timeouts, and the
 * statuses 408, 429 and 5xx. A `Retry-After` header (delta-seconds or an
 * HTTP-date) on such an answer is honoured: the wait is at least that long.
 * A server asking for more than 120 s is not waited for here: the request is
 * given up at once as unavailable, and the spool above tries again later.
 *
 * Not retried: other 4xx (the server would repeat them), certificate and TLS
 * failures (a configuration problem that waiting does not fix), and errors
 * that are not about the network.
 *
 * Each retry is announced before its wait (`RetryEvent`, `formatRetryLine`),
 * so that minutes of backoff never pass in silence.
 */

/** urllib3's `Retry.DEFAULT_BACKOFF_MAX`, which MLflow keeps: no single wait is longer. */
export const MAX_BACKOFF_MS = 120_000;

export interface BackoffPolicy {
  backoffFactor: number;
  backoffJitter: number;
}

/** Milliseconds to wait before retry number `retry` (1 = the first retry). */
export function backoffDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  if (retry <= 1) return 0;
  const seconds = policy.backoffFactor * 2 ** (retry - 1) + (policy.backoffJitter > 0 ? random() * policy.backoffJitter : 0);
  return Math.max(0, Math.min(MAX_BACKOFF_MS, seconds * 1000));
}

/** A `Retry-After` header as milliseconds from `now` (RFC 9110: delta-seconds or an HTTP-date); undefined if absent or unreadable. */
export function parseRetryAfter(header: string | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined; // not a date either (e.g. '-1', '1.5')
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Statuses worth another attempt: MLflow's transient failure codes. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Error codes of connection failures and timeouts that may pass. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EHOSTUNREACH', 'EHOSTDOWN',
  'ENETUNREACH', 'ENETDOWN', 'ENETRESET', 'EAI_AGAIN', 'ENOTFOUND', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_SOCKET',
]);

/** Certificate and TLS handshake failures (OpenSSL's verify codes and Node's TLS errors). */
const TLS_CODE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY|DECRYPT)|^ERR_TLS|^ERR_SSL|^EPROTO$|HOSTNAME_MISMATCH/;

export type NetworkFailureKind = 'transient' | 'tls' | 'other';

/** Classify an error raised before any response arrived, from its `code` and message. */
export function classifyNetworkError(code: string | undefined, message: string): NetworkFailureKind {
  if (code && TLS_CODE.test(code)) return 'tls';
  if (code && TRANSIENT_CODES.has(code)) return 'transient';
  if (/socket hang up|timeout of \d+ms exceeded|network socket disconnected/i.test(message)) return 'transient';
  if (/certificate|ssl|tls/i.test(message)) return 'tls';
  return 'other';
}

/** A retry the transport is about to wait for. */
export interface RetryEvent {
  /** The server's URL, without credentials. */
  uri: string;
  /** `METHOD /path` of the request. */
  endpoint: string;
  /** 1 for the first retry. */
  retry: number;
  maxRetries: number;
  /** How long until that retry. */
  delayMs: number;
  /** 'unreachable': no answer (refused, reset, timed out); 'status': a transient answer (408, 429, 5xx). */
  kind: 'unreachable' | 'status';
  /** What failed, short: `ECONNREFUSED`, `no answer within 120 s`, `503 TEMPORARILY_UNAVAILABLE` (never a credential). */
  reason: string;
}

function formatDelay(ms: number): string {
  if (ms <= 0) return 'now';
  const s = ms / 1000;
  return `in ${s < 10 ? Number(s.toFixed(1)) : Math.round(s)} s`;
}

/** One line for the user: `MLflow server at http://host:5000 unreachable (ECONNREFUSED); retry 3/7 in 8 s`. */
export function formatRetryLine(e: RetryEvent): string {
  const what = e.kind === 'unreachable' ? `unreachable (${e.reason})` : `answered ${e.reason} to ${e.endpoint}`;
  return `MLflow server at ${e.uri} ${what}; retry ${e.retry}/${e.maxRetries} ${formatDelay(e.delayMs)}`;
}
