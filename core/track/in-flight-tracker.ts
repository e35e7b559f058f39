/**
 * A Tracker that passes every call through and keeps account of the calls
 * still in flight and of the run it created, so that a process told to stop
 * can tell whether there is a run to end and, when it gives up waiting, what
 * it was still waiting for ("logBatch for 9 s").
 */
import type { CreateRunRequest, LogBatch, Metric, RunData, RunInfo, RunStatus, Tracker } from './tracker.ts';

export class InFlightTracker implements Tracker {
  readonly uri: string;
  readonly remote: boolean;
  readonly checkUsable?: () => Promise<void>;
  /** The run created through this tracker, once createRun has answered. */
  createdRun?: RunInfo;
  private readonly calls = new Map<number, { name: string; since: number }>();
  private nextId = 0;

  constructor(
    private readonly inner: Tracker,
    private readonly now: () => number = Date.now,
  ) {
    this.uri = inner.uri;
    this.remote = inner.remote;
    if (inner.checkUsable) this.checkUsable = () => inner.checkUsable!();
  }

  /** The calls not yet answered, oldest first: `createRun for 12 s`. */
  inFlight(): string[] {
    const now = this.now();
    return [...this.calls.values()].map((c) => `${c.name} for ${Math.round((now - c.since) / 1000)} s`);
  }

  getOrCreateExperiment(name: string): Promise<string> {
    return this.track('getOrCreateExperiment', () => this.inner.getOrCreateExperiment(name));
  }

  async createRun(request: CreateRunRequest): Promise<RunInfo> {
    const info = await this.track('createRun', () => this.inner.createRun(request));
    this.createdRun = info;
    return info;
  }

  logBatch(runId: string, batch: LogBatch): Promise<void> {
    return this.track('logBatch', () => this.inner.logBatch(runId, batch));
  }

  logArtifact(runId: string, path: string, data: string | Uint8Array): Promise<void> {
    return this.track(`logArtifact '${path}'`, () => this.inner.logArtifact(runId, path, data));
  }

  readArtifact(runId: string, path: string): Promise<Uint8Array> {
    return this.track(`readArtifact '${path}'`, () => this.inner.readArtifact(runId, path));
  }

  listArtifacts(runId: string, dir?: string): Promise<string[]> {
    return this.track('listArtifacts', () => this.inner.listArtifacts(runId, dir));
  }

  updateRun(runId: string, update: { status: RunStatus; endTime: number }): Promise<void> {
    return this.track(`updateRun ${update.status}`, () => this.inner.updateRun(runId, update));
  }

  getRun(runId: string): Promise<RunData> {
    return this.track('getRun', () => this.inner.getRun(runId));
  }

  getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.track('getMetricHistory', () => this.inner.getMetricHistory(runId, key));
  }

  private async track<T>(name: string, call: () => Promise<T>): Promise<T> {
    const id = this.nextId++;
    this.calls.set(id, { name, since: this.now() });
    try {
      return await call();
    } finally {
      this.calls.delete(id);
    }
  }
}
