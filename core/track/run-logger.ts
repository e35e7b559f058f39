/**
 * One run's lifecycle on a tracker: created, params and tags, metrics,
 * artifacts, and the final status, with nothing logged lost.
 *
 * A local store (`tracker.remote === false`, the embedded file store) is
 * written directly, metrics in batches of 200, flushed before the run ends
 * whatever its status. A remote store (the MLflow REST client) goes through
 * the on-disk spool (spool-run.ts): logging calls write the record to disk
 * and return; a background queue sends them in order; the run's final status
 * is sent last, after every record was acknowledged; end() waits for that up
 * to the flush timeout (ODELAB_FLUSH_TIMEOUT, default 60 s) and otherwise
 * leaves the rest to `odelab sync`.
 *
 * The spool settings are validated in `start`, before the run is created,
 * so a bad ODELAB_SPOOL_DIR or ODELAB_FLUSH_TIMEOUT, or a spool folder that
 * cannot be made or written, is a ConfigError that leaves nothing behind on
 * the server.
 */
import { basename } from 'node:path';
import { ConfigError } from '../errors.ts';
import { checkWritableFolder, FolderError } from './local-folder.ts';
import { endLostRuns } from './lost-runs.ts';
import { currentOwner, formatOwner, OWNER_TAG } from './run-owner.ts';
import { RunSpool } from './spool.ts';
import { spoolSettings, type SpoolSettingsInput } from './spool-config.ts';
import { DEFAULT_QUEUE_TIMING, type QueueTiming } from './spool-queue.ts';
import { SpooledRun } from './spool-run.ts';
import type { CreateRunRequest, Metric, RunInfo, RunStatus, Tracker } from './tracker.ts';

const FLUSH_EVERY = 200;

/** What end() left undelivered. */
export interface EndResult {
  /**
   * Records not yet acknowledged: they stay in `spoolDir` until `odelab sync` sends them
   * (an upper bound when a request was still in flight at the deadline).
   */
  pending: number;
  /** Records the server refused for good (kept in `spoolDir`/rejected.jsonl). */
  rejected: number;
  /** The run's spool folder, when something is left in it. */
  spoolDir?: string;
}

/** Where a run's records go: straight to a local store, or through the spool. */
export interface RunSink {
  params(params: Record<string, string>): Promise<void>;
  tags(tags: Record<string, string>): Promise<void>;
  metrics(metrics: Metric[]): Promise<void>;
  artifact(path: string, data: string | Uint8Array): Promise<void>;
  flush(): Promise<void>;
  end(status: RunStatus): Promise<EndResult>;
}

export interface RunLoggerOptions extends SpoolSettingsInput {
  /** Progress while end() waits for the tracking server (default: none). */
  onMessage?: (text: string) => void;
  /** A warning for the user, e.g. a record the server refused (default: stderr). */
  onWarning?: (text: string) => void;
  /** The background sender's delays (tests shorten them). */
  timing?: Partial<QueueTiming>;
  /** Where ODELAB_SPOOL_DIR, ODELAB_FLUSH_TIMEOUT and XDG_CACHE_HOME are read (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Writes a local store directly; metrics in batches. */
class DirectSink implements RunSink {
  private buffer: Metric[] = [];

  constructor(
    private readonly tracker: Tracker,
    private readonly runId: string,
  ) {}

  async params(params: Record<string, string>): Promise<void> {
    await this.tracker.logBatch(this.runId, { params });
  }

  async tags(tags: Record<string, string>): Promise<void> {
    await this.tracker.logBatch(this.runId, { tags });
  }

  async metrics(metrics: Metric[]): Promise<void> {
    this.buffer.push(...metrics);
    if (this.buffer.length >= FLUSH_EVERY) await this.flush();
  }

  async artifact(path: string, data: string | Uint8Array): Promise<void> {
    await this.tracker.logArtifact(this.runId, path, data);
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

  async end(status: RunStatus): Promise<EndResult> {
    await this.flush();
    await this.tracker.updateRun(this.runId, { status, endTime: Date.now() });
    return { pending: 0, rejected: 0 };
  }
}

/** The spool root must take files before a run is created whose records would go there. */
async function checkSpoolRoot(root: string): Promise<void> {
  try {
    await checkWritableFolder(root);
  } catch (e) {
    if (!(e instanceof FolderError)) throw e;
    const detail = e.path === root ? e.reason : e.message;
    throw new ConfigError('ODELAB_SPOOL_DIR', `spool folder ${root} is not usable: ${detail} (set ODELAB_SPOOL_DIR to a writable folder)`);
  }
}

/**
 * Before a run is created in a local store, end the store's runs whose process
 * died (lost-runs.ts). Best effort: a store that cannot be scanned, or a run
 * that cannot be ended, is a warning, never a reason not to run.
 */
async function endLostLocalRuns(tracker: Tracker, spoolRoot: string, options: RunLoggerOptions): Promise<void> {
  const warn = options.onWarning ?? ((text: string) => process.stderr.write(`odelab: warning: ${text}\n`));
  try {
    const spooled = new Set((await RunSpool.list(spoolRoot).catch(() => [])).map((d) => basename(d)));
    for (const r of await endLostRuns(tracker, spooled)) {
      if (r.error) warn(`run ${r.runId} was left RUNNING by pid ${r.owner.pid}, which is gone, and could not be ended: ${r.error}`);
      else options.onMessage?.(`ended run ${r.runId} FAILED (PROCESS_LOST): its process (pid ${r.owner.pid}) had died without ending it`);
    }
  } catch (e) {
    warn(`could not look for runs left RUNNING by dead processes in ${tracker.uri}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export class RunLogger {
  private readonly latest: Record<string, number> = {};

  private constructor(
    readonly tracker: Tracker,
    readonly info: RunInfo,
    private readonly sink: RunSink,
  ) {}

  /**
   * Validate the spool settings, create the run, and return its logger.
   * Rejects with a ConfigError naming the option or variable at fault before
   * anything is created, and with the tracker's error if the run cannot be.
   */
  static async start(tracker: Tracker, request: CreateRunRequest, options: RunLoggerOptions = {}): Promise<RunLogger> {
    const settings = spoolSettings(options, options.env);
    if (tracker.remote) await checkSpoolRoot(settings.root);
    else await endLostLocalRuns(tracker, settings.root, options);
    const info = await tracker.createRun({ ...request, tags: { ...request.tags, [OWNER_TAG]: formatOwner(currentOwner()) } });
    if (!tracker.remote) return new RunLogger(tracker, info, new DirectSink(tracker, info.runId));
    const sink = await SpooledRun.open(tracker, info, {
      root: settings.root,
      flushTimeoutMs: settings.flushTimeoutMs,
      timing: { ...DEFAULT_QUEUE_TIMING, ...options.timing },
      onMessage: options.onMessage ?? (() => undefined),
      onWarning: options.onWarning ?? ((text) => process.stderr.write(`odelab: warning: ${text}\n`)),
    });
    return new RunLogger(tracker, info, sink);
  }

  get runId(): string {
    return this.info.runId;
  }

  /** Latest value of every metric logged through this logger. */
  get metrics(): Record<string, number> {
    return { ...this.latest };
  }

  async logParams(params: Record<string, string>): Promise<void> {
    await this.sink.params(params);
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    await this.sink.tags(tags);
  }

  /** Log one metric value (written in batches; never waits on the network). */
  async logMetric(key: string, value: number, step: number): Promise<void> {
    await this.logMetrics({ [key]: value }, step);
  }

  async logMetrics(values: Record<string, number>, step: number): Promise<void> {
    const timestamp = Date.now();
    const metrics = Object.entries(values).map(([key, value]) => ({ key, value, step, timestamp }));
    if (!metrics.length) return;
    for (const m of metrics) this.latest[m.key] = m.value;
    await this.sink.metrics(metrics);
  }

  /** Local store: write buffered metrics now. Remote: everything is on disk already; start sending it now. */
  async flush(): Promise<void> {
    await this.sink.flush();
  }

  async logArtifact(path: string, data: string | Uint8Array): Promise<void> {
    await this.sink.artifact(path, data);
  }

  /**
   * Record the final status after everything logged before it, and wait for
   * the store to have it all (remote: up to the flush timeout). Resolves with
   * what is left undelivered.
   */
  async end(status: RunStatus): Promise<EndResult> {
    return this.sink.end(status);
  }
}
