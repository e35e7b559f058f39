/**
 * One run's lifecycle on a tracker: params and tags, buffered metrics,
 * artifacts, and the final status. Buffered metrics are flushed before the
 * run ends, whatever its status, so nothing logged is lost.
 */
import type { Metric, RunInfo, RunStatus, Tracker } from './tracker.ts';

const FLUSH_EVERY = 200;

export class RunLogger {
  private buffer: Metric[] = [];
  private readonly latest: Record<string, number> = {};

  constructor(
    readonly tracker: Tracker,
    readonly info: RunInfo,
  ) {}

  get runId(): string {
    return this.info.runId;
  }

  /** Latest value of every metric logged through this logger. */
  get metrics(): Record<string, number> {
    return { ...this.latest };
  }

  async logParams(params: Record<string, string>): Promise<void> {
    await this.tracker.logBatch(this.runId, { params });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    await this.tracker.logBatch(this.runId, { tags });
  }

  /** Queue one metric value; written in batches. */
  async logMetric(key: string, value: number, step: number): Promise<void> {
    this.buffer.push({ key, value, step, timestamp: Date.now() });
    this.latest[key] = value;
    if (this.buffer.length >= FLUSH_EVERY) await this.flush();
  }

  async logMetrics(values: Record<string, number>, step: number): Promise<void> {
    for (const [k, v] of Object.entries(values)) await this.logMetric(k, v, step);
  }

  async flush(): Promise<void> {
    if (!this.buffer.length) return;
    const metrics = this.buffer;
    this.buffer = [];
    try {
      await this.tracker.logBatch(this.runId, { metrics });
    } catch (e) {
      this.buffer = metrics.concat(this.buffer);
      throw e;
    }
  }

  async logArtifact(path: string, data: string | Uint8Array): Promise<void> {
    await this.tracker.logArtifact(this.runId, path, data);
  }

  /** Flush, then record the final status. */
  async end(status: RunStatus): Promise<void> {
    await this.flush();
    await this.tracker.updateRun(this.runId, { status, endTime: Date.now() });
  }
}
