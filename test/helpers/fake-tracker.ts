/**
 * An in-memory Tracker for the spool tests: switch it down (every call
 * throws TrackingUnavailableError) and up, hold calls at a gate, refuse
 * chosen requests with a final TrackingError, and read back exactly which
 * requests the "server" applied, in order.
 */
import { TrackingError, TrackingUnavailableError } from '../../core/errors.ts';
import type { CreateRunRequest, LogBatch, Metric, RunData, RunInfo, RunStatus, Tracker } from '../../core/track/tracker.ts';

export type AppliedCall =
  | { kind: 'batch'; runId: string; batch: LogBatch }
  | { kind: 'artifact'; runId: string; path: string; data: Uint8Array }
  | { kind: 'update'; runId: string; status: RunStatus; endTime: number };

export class FakeTracker implements Tracker {
  readonly uri: string;
  readonly remote: boolean;
  /** False: every call fails with TrackingUnavailableError. */
  up = true;
  /** Every request made, applied or not. */
  attempts = 0;
  /** The requests the server applied, in order. */
  readonly applied: AppliedCall[] = [];
  /** A reason to refuse a request for good (a 4xx), or undefined to accept it. */
  refuse?: (call: AppliedCall) => string | undefined;
  /** When set, requests wait for it before they are judged. */
  gate?: Promise<void>;
  private readonly runs = new Map<string, RunInfo>();
  private nextRun = 1;
  /** Run ids differ between fakes, as MLflow's (random UUIDs) do between servers. */
  private readonly idPrefix = `run${Math.random().toString(16).slice(2, 10)}x`;

  constructor(options: { uri?: string; remote?: boolean; up?: boolean } = {}) {
    this.uri = options.uri ?? 'fake://tracker';
    this.remote = options.remote ?? true;
    this.up = options.up ?? true;
  }

  async getOrCreateExperiment(): Promise<string> {
    await this.enter();
    return '1';
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    await this.enter();
    const runId = `${this.idPrefix}${this.nextRun++}`;
    const info: RunInfo = { runId, experimentId: request.experimentId, runName: request.runName, artifactUri: `fake:/${runId}`, status: 'RUNNING', startTime: request.startTime };
    this.runs.set(runId, info);
    return info;
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    await this.apply({ kind: 'batch', runId, batch: structuredClone(batch) });
  }

  async logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void> {
    await this.apply({ kind: 'artifact', runId, path, data: typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data) });
  }

  async updateRun(runId: string, update: { status: RunStatus; endTime: number }): Promise<void> {
    await this.apply({ kind: 'update', runId, ...update });
  }

  async readArtifact(runId: string, path: string): Promise<Uint8Array> {
    const found = this.applied.filter((c) => c.kind === 'artifact' && c.runId === runId && c.path === path).at(-1);
    if (!found || found.kind !== 'artifact') throw new TrackingError(`no artifact ${path}`);
    return found.data;
  }

  async listArtifacts(runId: string): Promise<string[]> {
    return [...new Set(this.applied.flatMap((c) => (c.kind === 'artifact' && c.runId === runId ? [c.path] : [])))].sort();
  }

  async getRun(runId: string): Promise<RunData> {
    const info: RunInfo = { ...(this.runs.get(runId) ?? { runId, experimentId: '1', runName: runId, artifactUri: '', status: 'RUNNING', startTime: 0 }) };
    const params: Record<string, string> = {};
    const tags: Record<string, string> = {};
    const metrics: Record<string, number> = {};
    for (const c of this.applied.filter((x) => x.runId === runId)) {
      if (c.kind === 'batch') {
        Object.assign(params, c.batch.params);
        Object.assign(tags, c.batch.tags);
        for (const m of c.batch.metrics ?? []) metrics[m.key] = m.value;
      }
      if (c.kind === 'update') Object.assign(info, { status: c.status, endTime: c.endTime });
    }
    return { info, params, tags, metrics };
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.applied.flatMap((c) => (c.kind === 'batch' && c.runId === runId ? (c.batch.metrics ?? []).filter((m) => m.key === key) : []));
  }

  /** Every metric point applied, in order. */
  points(runId?: string): Metric[] {
    return this.applied.flatMap((c) => (c.kind === 'batch' && (!runId || c.runId === runId) ? (c.batch.metrics ?? []) : []));
  }

  private async enter(): Promise<void> {
    this.attempts += 1;
    if (this.gate) await this.gate;
    if (!this.up) throw new TrackingUnavailableError(`${this.uri} is unreachable (fake)`);
  }

  private async apply(call: AppliedCall): Promise<void> {
    await this.enter();
    const reason = this.refuse?.(call);
    if (reason) throw new TrackingError(reason);
    this.applied.push(call);
  }
}

/** Poll `condition` every few ms until true, or fail after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
