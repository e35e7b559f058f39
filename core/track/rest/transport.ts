/**
 * The HTTP transport of odelab's MLflow REST client (axios underneath).
 *
 * One instance talks to one tracking server: the base URL is the http(s)
 * tracking URI (a path prefix is kept, credentials are taken out; see
 * settings.ts). JSON calls send `Content-Type: application/json`, as
 * MLflow's server requires on POST; artifact uploads send raw bytes. Every
 * attempt has the configured timeout; transient failures are retried with
 * the schedule of retry.ts.
 *
 * Outcomes: a 2xx answer is returned; a final 4xx is an `MlflowApiError`
 * (errors.ts) naming MLflow's `error_code` and `message`; retries used up is
 * a `TrackingUnavailableError`, which tells the layer above to keep the
 * records in its spool and try again later; a certificate or TLS failure is
 * a final TrackingError that says which variable to set.
 *
 * Credentials live in private fields and go into the Authorization header of
 * each request only: no message, `uri` or error cause carries them (causes
 * are summaries, never axios errors, whose config holds the headers), and
 * any text from the network is scrubbed of them before it is shown.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { AxiosInstance } from 'axios';
import { TrackingError, TrackingUnavailableError } from '../../errors.ts';
import { MlflowApiError } from './errors.ts';
import { backoffDelayMs, classifyNetworkError, isRetryableStatus, MAX_BACKOFF_MS, parseRetryAfter, type RetryEvent } from './retry.ts';
import { resolveSettings, type TransportOptions, type TransportSettings } from './settings.ts';

export type Query = Readonly<Record<string, string | number | undefined>>;

interface Request {
  method: 'GET' | 'POST' | 'PUT';
  /** Below the base URL, already percent-encoded: `api/2.0/mlflow/runs/get`. */
  path: string;
  query?: Query;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Answer {
  status: number;
  body: Buffer;
}

/** A retry's `retry` is the full text for errors; `kind` and `reason` the short one for the retry line. */
type Attempt = { done: Answer } | { retry: string; kind: RetryEvent['kind']; reason: string; retryAfterMs?: number };

/** Shortest secret that is scrubbed from texts shown to users (shorter ones would garble every message). */
const MIN_SCRUBBED_LENGTH = 4;
const MAX_SHOWN_BODY = 500;

export class MlflowTransport {
  /** The tracking server's URL without credentials. */
  readonly uri: string;
  readonly #settings: TransportSettings;
  /** axios, loaded on the first request: importing it costs 150 ms, paid only by runs that talk to a server. */
  #http?: Promise<AxiosInstance>;
  readonly #authorization?: string;
  readonly #secrets: string[];

  /** A transport for `uri` (http or https), configured from `options` and MLflow's environment variables. */
  constructor(uri: string, options?: TransportOptions);
  /** @internal The same settings against another base URL (see `rebased`). */
  constructor(settings: TransportSettings);
  constructor(uriOrSettings: string | TransportSettings, options: TransportOptions = {}) {
    const s = typeof uriOrSettings === 'string' ? resolveSettings(uriOrSettings, options) : uriOrSettings;
    this.#settings = s;
    this.uri = s.baseUrl;
    const auth = s.auth;
    this.#authorization =
      auth?.kind === 'basic'
        ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`
        : auth?.kind === 'bearer'
          ? `Bearer ${auth.token}`
          : undefined;
    const secrets = auth?.kind === 'basic' ? [auth.password, this.#authorization!.slice(6)] : auth ? [auth.token] : [];
    this.#secrets = secrets.filter((x) => x.length >= MIN_SCRUBBED_LENGTH);
  }

  #client(): Promise<AxiosInstance> {
    const s = this.#settings;
    this.#http ??= import('axios').then(({ default: axios }) =>
      axios.create({
        timeout: s.timeoutMs,
        responseType: 'arraybuffer',
        validateStatus: () => true,
        maxBodyLength: Infinity,
        maxContentLength: Infinity,
        transitional: { clarifyTimeoutError: true },
        httpAgent: new HttpAgent({ keepAlive: true }),
        httpsAgent: new HttpsAgent({ keepAlive: true, rejectUnauthorized: !s.insecureTls, ...(s.ca ? { ca: s.ca } : {}) }),
      }),
    );
    return this.#http;
  }

  /** The same settings and credentials against another server URL (an artifact proxy named by host). */
  rebased(baseUrl: string): MlflowTransport {
    return new MlflowTransport({ ...this.#settings, baseUrl: baseUrl.replace(/\/+$/, '') });
  }

  /** GET a JSON endpoint with query parameters. */
  async getJson<T>(path: string, query?: Query): Promise<T> {
    return this.#json<T>(await this.#send({ method: 'GET', path, query }), 'GET', path);
  }

  /** POST a JSON body to an endpoint. */
  async postJson<T>(path: string, body: unknown): Promise<T> {
    const headers = { 'Content-Type': 'application/json' };
    return this.#json<T>(await this.#send({ method: 'POST', path, headers, body: JSON.stringify(body) }), 'POST', path);
  }

  /** GET raw bytes (an artifact). */
  async getBytes(path: string, query?: Query): Promise<Uint8Array> {
    const { body } = await this.#send({ method: 'GET', path, query });
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  /** PUT raw bytes (an artifact upload). */
  async putBytes(path: string, data: Uint8Array): Promise<void> {
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.#send({ method: 'PUT', path, headers: { 'Content-Type': 'application/octet-stream' }, body });
  }

  /** `METHOD /path` as shown in messages: the base URL's path prefix included, no query. */
  endpoint(method: string, path: string): string {
    return `${method} ${new URL(this.uri).pathname.replace(/\/+$/, '')}/${path}`;
  }

  #json<T>(answer: Answer, method: string, path: string): T {
    const text = answer.body.toString('utf8');
    if (text.trim() === '') return {} as T;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new TrackingError(`${this.endpoint(method, path)} on ${this.uri} answered ${answer.status} with a body that is not JSON: ${this.#shown(text)}`);
    }
    // Every MLflow answer is a JSON object; `null` or a bare value would fail later as a TypeError (found by test/fuzz/fuzz-rest.test.ts).
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new TrackingError(`${this.endpoint(method, path)} on ${this.uri} answered ${answer.status} with JSON that is not an object: ${this.#shown(text)}`);
    }
    return parsed as T;
  }

  async #send(request: Request): Promise<Answer> {
    const s = this.#settings;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt(request);
      if ('done' in outcome) return outcome.done;
      const failed = `${this.endpoint(request.method, request.path)} failed ${attempt + 1} time${attempt ? 's' : ''}`;
      if (attempt >= s.maxRetries) {
        throw new TrackingUnavailableError(`MLflow tracking server ${this.uri} unavailable: ${failed}; last: ${outcome.retry}`);
      }
      let wait = backoffDelayMs(attempt + 1, s, s.random);
      if (outcome.retryAfterMs !== undefined) {
        if (outcome.retryAfterMs > MAX_BACKOFF_MS) {
          const seconds = Math.ceil(outcome.retryAfterMs / 1000);
          throw new TrackingUnavailableError(
            `MLflow tracking server ${this.uri} unavailable: ${failed} and asks to retry after ${seconds} s (more than ${MAX_BACKOFF_MS / 1000} s); last: ${outcome.retry}`,
          );
        }
        wait = Math.max(wait, outcome.retryAfterMs);
      }
      s.onRetry?.({
        uri: this.uri,
        endpoint: this.endpoint(request.method, request.path),
        retry: attempt + 1,
        maxRetries: s.maxRetries,
        delayMs: wait,
        kind: outcome.kind,
        reason: outcome.reason,
      });
      await s.sleep(wait);
    }
  }

  async #attempt(request: Request): Promise<Attempt> {
    const endpoint = this.endpoint(request.method, request.path);
    const headers: Record<string, string> = { ...request.headers };
    if (this.#authorization) headers.Authorization = this.#authorization;
    let status: number;
    let body: Buffer;
    let retryAfter: string | undefined;
    const http = await this.#client();
    try {
      const response = await http.request<Buffer>({ method: request.method, url: this.#url(request), headers, data: request.body });
      status = response.status;
      body = Buffer.isBuffer(response.data) ? response.data : Buffer.from(response.data ?? '');
      const header = response.headers['retry-after'] as unknown;
      retryAfter = typeof header === 'string' ? header : undefined;
    } catch (e) {
      return this.#networkFailure(e, endpoint);
    }
    if (status >= 200 && status < 300) return { done: { status, body } };
    const { errorCode, message } = this.#errorBody(status, body);
    if (isRetryableStatus(status)) {
      return {
        retry: `${status} ${errorCode}: ${message}`,
        kind: 'status',
        reason: `${status} ${errorCode}`,
        retryAfterMs: parseRetryAfter(retryAfter, this.#settings.now()),
      };
    }
    throw new MlflowApiError(endpoint, status, errorCode, message);
  }

  #url(request: Request): string {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(request.query ?? {})) if (v !== undefined) query.set(k, String(v));
    const q = query.toString();
    return `${this.uri}/${request.path}${q ? `?${q}` : ''}`;
  }

  #networkFailure(e: unknown, endpoint: string): Attempt {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    const what = this.#scrub(typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message);
    const cause = Object.assign(new Error(what), { code });
    switch (classifyNetworkError(typeof code === 'string' ? code : undefined, message)) {
      case 'transient':
        return { retry: what, kind: 'unreachable', reason: this.#shortReason(typeof code === 'string' ? code : undefined, what) };
      case 'tls':
        throw new TrackingError(
          `cannot reach MLflow tracking server ${this.uri} securely (${endpoint}): ${what}. If its certificate is self-signed ` +
            'or from a private CA, set MLFLOW_TRACKING_SERVER_CERT_PATH to that CA bundle (or MLFLOW_TRACKING_INSECURE_TLS=true to skip verification)',
          { cause },
        );
      default:
        throw new TrackingError(`${endpoint} to MLflow tracking server ${this.uri} failed: ${what}`, { cause });
    }
  }

  /** A network failure in a few words: its code, or "no answer within N s" for our own per-attempt timeout. */
  #shortReason(code: string | undefined, what: string): string {
    if (/timeout of \d+ms exceeded/i.test(what)) return `no answer within ${this.#settings.timeoutMs / 1000} s`;
    return code ?? (what.length > 80 ? `${what.slice(0, 80)}…` : what);
  }

  /** MLflow's `{error_code, message}`, or the status and the start of whatever else the body is. */
  #errorBody(status: number, body: Buffer): { errorCode: string; message: string } {
    const text = body.toString('utf8');
    try {
      const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (parsed && typeof parsed.error_code === 'string') {
        return { errorCode: parsed.error_code, message: this.#shown(typeof parsed.message === 'string' ? parsed.message : '') };
      }
    } catch {
      // not JSON: shown as text below
    }
    return { errorCode: `HTTP_${status}`, message: this.#shown(text.trim() || '(empty body)') };
  }

  #shown(text: string): string {
    const t = this.#scrub(text);
    return t.length > MAX_SHOWN_BODY ? `${t.slice(0, MAX_SHOWN_BODY)}…` : t;
  }

  #scrub(text: string): string {
    return this.#secrets.reduce((t, secret) => t.split(secret).join('***'), text);
  }
}
