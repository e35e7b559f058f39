/**
 * The sweep's trials as BullMQ jobs on Redis, behind the same TrialExecutor
 * interface as the local pools, so `runSweepLoop` keeps ASHA, retries,
 * Ctrl-C, the parent run's tags, the table and the report unchanged. Its
 * slots are unbounded: every trial is enqueued at once and the `odelab
 * worker`s on any number of machines decide how many run.
 *
 * - start(task): the job `<sweepId>.<trial>.<attempt>`. Tasks started
 *   together (the loop starts all first attempts in one go) are added as one
 *   flow under the sweep's parent job; later ones (retries) as children of
 *   it. If the job already exists, the executor attaches to it instead: that
 *   is how `--resume` picks a sweep up from Redis (a running trial is
 *   followed, a finished one's outcome is taken as is; none runs twice).
 *   An existing job whose trial ended KILLED without this scheduler asking
 *   (an earlier scheduler's Ctrl-C) is replaced, as local resume reruns
 *   KILLED trials.
 * - events: the worker appends each TrialEvent to the job's log and bumps
 *   its progress; QueueEvents' `progress`/`completed`/`failed`/`removed`
 *   make the executor read the job's state and new log rows (event-replay.ts),
 *   and a slow poll covers anything missed while Redis was away.
 * - done: the job's return value (TrialOutcome) when it completes; a failed
 *   job rejects with its reason (WorkerLostError when its thread or process
 *   died, or BullMQ gave up on it after repeated stalls).
 * - stop(reason) (ASHA, Ctrl-C): a key `odelab:stop:<job id>` the worker
 *   polls; a job still waiting is removed instead and ends KILLED without a
 *   run.
 */
import { FlowProducer, Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkerLostError, type ExecutorEvent, type TrialExecutor, type TrialHandle } from '../sweep/executor.ts';
import type { TrialOutcome, TrialTask } from '../sweep/types.ts';
import type { CodeBundle } from './code-bundle.ts';
import { storeCode } from './code-cache.ts';
import { EventReplay } from './event-replay.ts';
import { odelabVersion } from './odelab-version.ts';
import { WORKER_LOST_PREFIX, type CodeRef, type SweepJobData, type TrialJobData } from './job-data.ts';
import type { QueueSigner } from './signing.ts';
import { STOP_TTL_S, SWEEPS_QUEUE, TRIALS_QUEUE, stopKey, sweepJobId, sweepParent, trialJobId } from './layout.ts';
import type { RedisAddress } from './redis-url.ts';
import type { QueueSettings } from './settings.ts';
import { warnOnce } from './warn-once.ts';

/** Safety net behind QueueEvents: how often every unfinished job's state is read. */
const POLL_MS = 3000;
const CLOSE_GRACE_MS = 5000;

interface Entry {
  id: string;
  task: TrialTask;
  replay: EventReplay;
  /** The job exists in Redis (added or found). */
  added: boolean;
  stopReason?: string;
  settled: boolean;
  busy: boolean;
  again: boolean;
  resolve(out: TrialOutcome): void;
  reject(e: unknown): void;
}

export interface QueueExecutorOptions {
  address: RedisAddress;
  settings: QueueSettings;
  /** A connected client (connection.ts), owned by the executor from now on. */
  client: Redis;
  bundle: CodeBundle;
  code: CodeRef;
  /** Signs the bundle and every trial job (or, opted out, nothing). */
  signer: QueueSigner;
  /** The trial's values (`lr=0.01 hidden=[32]`) for the workers' log lines. */
  label?(trialIndex: number): string;
  /** The sweep's first jobs are in Redis: from now on it survives this process. */
  onQueued?(sweepId: string): void;
  /** Something went wrong talking to Redis; the executor keeps trying. */
  onWarning?(message: string): void;
}

export class QueueExecutor implements TrialExecutor {
  readonly kind = 'queue';
  readonly slots = Number.POSITIVE_INFINITY;
  private readonly trials: Queue;
  private readonly sweeps: Queue;
  private readonly flows: FlowProducer;
  private readonly events: QueueEvents;
  private readonly entries = new Map<string, Entry>();
  private pending: Entry[] = [];
  private flushing?: Promise<void>;
  private readonly poller: NodeJS.Timeout;
  private readonly odelab = odelabVersion();

  private constructor(private readonly o: QueueExecutorOptions) {
    const base = { connection: o.client, prefix: o.settings.prefix };
    this.trials = new Queue(TRIALS_QUEUE, base);
    this.sweeps = new Queue(SWEEPS_QUEUE, base);
    this.flows = new FlowProducer(base);
    this.events = new QueueEvents(TRIALS_QUEUE, base);
    const onError = (e: Error) => this.warn(`queue: ${e.message}`);
    this.trials.on('error', onError);
    this.sweeps.on('error', onError);
    this.flows.on('error', onError);
    this.events.on('error', onError);
    for (const name of ['progress', 'completed', 'failed', 'removed'] as const) {
      this.events.on(name, ({ jobId }: { jobId: string }) => {
        const entry = this.entries.get(jobId);
        if (entry) this.sync(entry);
      });
    }
    this.poller = setInterval(() => {
      for (const e of this.entries.values()) if (e.added) this.sync(e);
    }, POLL_MS);
  }

  /** An executor on a connected Redis, with the sweep's code stored there. */
  static async open(o: QueueExecutorOptions): Promise<QueueExecutor> {
    await storeCode(o.client, o.settings.prefix, o.bundle, o.signer);
    const executor = new QueueExecutor(o);
    await executor.events.waitUntilReady(); // listening before any job is added: no event is missed
    return executor;
  }

  describe(): Record<string, string> {
    return { 'sweep.workers': 'odelab worker (queue)', 'sweep.queue': this.o.address.display, 'sweep.queue.prefix': this.o.settings.prefix, 'sweep.code_hash': this.o.code.hash };
  }

  start(task: TrialTask, onEvent: (e: ExecutorEvent) => void): TrialHandle {
    let resolve!: (out: TrialOutcome) => void;
    let reject!: (e: unknown) => void;
    const done = new Promise<TrialOutcome>((res, rej) => ((resolve = res), (reject = rej)));
    const id = trialJobId(task.sweepId, task.trialIndex, task.attempt);
    const entry: Entry = { id, task, replay: new EventReplay(onEvent), added: false, settled: false, busy: false, again: false, resolve, reject };
    entry.resolve = (out) => this.finish(entry, () => resolve(out));
    entry.reject = (e) => this.finish(entry, () => reject(e));
    this.entries.set(id, entry);
    this.pending.push(entry);
    setImmediate(() => this.flush());
    return { stop: (reason) => this.stop(entry, reason), kill: () => this.stop(entry, 'killed'), done };
  }

  /** The sweep is over (not interrupted): remove its parent job and every trial job with it. */
  async finishSweep(sweepId: string): Promise<void> {
    await this.sweeps.remove(sweepJobId(sweepId), { removeChildren: true });
  }

  async close(): Promise<void> {
    clearInterval(this.poller);
    // Closing waits for Redis; with Redis away, leave after a grace period (the jobs are Redis's business).
    const closing = (async () => {
      await this.flushing;
      await Promise.allSettled([this.events.close(), this.flows.close(), this.trials.close(), this.sweeps.close()]);
    })();
    await Promise.race([closing, delay(CLOSE_GRACE_MS, undefined, { ref: false })]);
    this.o.client.disconnect();
  }

  private finish(entry: Entry, settle: () => void): void {
    if (entry.settled) return;
    entry.settled = true;
    this.entries.delete(entry.id);
    settle();
  }

  /** Attach to or add the jobs of the tasks started since the last flush. */
  private flush(): void {
    const run = async () => {
      while (this.pending.length) {
        const batch = this.pending.splice(0);
        try {
          await this.attachOrAdd(batch);
        } catch (e) {
          for (const entry of batch) if (!entry.added) entry.reject(new Error(`could not enqueue the trial: ${e instanceof Error ? e.message : String(e)}`));
        }
      }
    };
    this.flushing = (this.flushing ?? Promise.resolve()).then(run);
  }

  private async attachOrAdd(batch: Entry[]): Promise<void> {
    const fresh: Entry[] = [];
    for (const entry of batch) {
      if (entry.settled) continue;
      if (entry.stopReason) {
        entry.resolve(notStarted(entry.stopReason));
        continue;
      }
      const state = await this.trials.getJobState(entry.id);
      if (state === 'unknown') fresh.push(entry);
      else {
        entry.added = true; // an earlier scheduler's job: follow it
        if (entry.stopReason) this.requestStop(entry);
        this.sync(entry);
      }
    }
    if (fresh.length) await this.add(fresh);
  }

  private async add(entries: Entry[]): Promise<void> {
    const sweepId = entries[0]!.task.sweepId;
    const { prefix } = this.o.settings;
    // A stop request left from an earlier run of the sweep must not stop the new job.
    await this.o.client.del(...entries.map((e) => stopKey(prefix, e.id)));
    const child = (e: Entry) => ({ name: `trial-${e.task.trialIndex}`, data: this.jobData(e.task), opts: { jobId: e.id, ignoreDependencyOnFailure: true } });
    const parentId = sweepJobId(sweepId);
    if ((await this.sweeps.getJobState(parentId)) === 'unknown') {
      const data: SweepJobData = { sweepId, experiment: this.o.code.experiment, codeHash: this.o.code.hash, createdAt: Date.now() };
      await this.flows.add({ name: 'sweep', queueName: SWEEPS_QUEUE, data, opts: { jobId: parentId }, children: entries.map((e) => ({ ...child(e), queueName: TRIALS_QUEUE })) });
      this.o.onQueued?.(sweepId);
    } else {
      await this.trials.addBulk(entries.map((e) => ({ ...child(e), opts: { ...child(e).opts, parent: sweepParent(prefix, sweepId) } })));
    }
    for (const e of entries) {
      e.added = true;
      if (e.stopReason) this.requestStop(e); // stopped while it was being added
    }
  }

  private jobData(task: TrialTask): TrialJobData {
    // The experiment and --plugin files travel in the bundle (code); built-ins and backend are the worker's own.
    const { experiment, pluginPaths, builtinsModule, backend, ...queued } = task;
    const data: TrialJobData = { task: queued, code: this.o.code, label: this.o.label?.(task.trialIndex) ?? task.runName, odelab: this.odelab };
    const mac = this.o.signer.sign('job', data);
    return mac ? { ...data, mac } : data;
  }

  /** Read the job's state and new log rows; settle when it is over. Serialised per job. */
  private sync(entry: Entry): void {
    if (entry.settled || !entry.added) return;
    if (entry.busy) {
      entry.again = true;
      return;
    }
    entry.busy = true;
    this.syncOnce(entry)
      .catch((e: unknown) => this.warn(`trial ${entry.task.trialIndex}: ${e instanceof Error ? e.message : String(e)} (will retry)`))
      .finally(() => {
        entry.busy = false;
        if (entry.again) {
          entry.again = false;
          this.sync(entry);
        }
      });
  }

  private async syncOnce(entry: Entry): Promise<void> {
    const state = await this.trials.getJobState(entry.id);
    if (state === 'unknown') {
      // Removed: by stop() (a waiting job), or by someone else.
      if (entry.stopReason) entry.resolve(notStarted(entry.stopReason));
      else entry.reject(new Error(`trial job ${entry.id} was removed from the queue`));
      return;
    }
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') return;
    await this.readLog(entry);
    if (state !== 'completed' && state !== 'failed') return;
    const job = (await this.trials.getJob(entry.id)) as Job<TrialJobData, TrialOutcome> | undefined;
    if (!job) return; // removed meanwhile: the next sync says so
    await this.readLog(entry); // everything the worker logged before it finished
    if (state === 'failed') {
      entry.reject(failure(job.failedReason));
      return;
    }
    const out = job.returnvalue;
    if (out.status === 'KILLED' && !entry.stopReason) {
      await this.replace(entry, job); // an earlier scheduler's interruption: run the trial again
      return;
    }
    entry.resolve(out);
  }

  private async readLog(entry: Entry): Promise<void> {
    const { logs } = await this.trials.getJobLogs(entry.id, entry.replay.seen, -1, true);
    entry.replay.apply(logs);
  }

  private async replace(entry: Entry, job: Job): Promise<void> {
    await job.remove();
    entry.replay.reset();
    entry.added = false;
    this.pending.push(entry);
    this.flush();
  }

  private stop(entry: Entry, reason: string): void {
    if (entry.settled || entry.stopReason) return;
    entry.stopReason = reason;
    // Not in Redis yet: the flush settles it without adding a job, or (already adding it) calls requestStop.
    if (entry.added) this.requestStop(entry);
  }

  /** Ask the job's worker to stop the trial, or remove the job if no worker has it yet. */
  private requestStop(entry: Entry): void {
    const { client, settings } = this.o;
    const reason = entry.stopReason!;
    void (async () => {
      // The flag first: a worker that takes the job right now still sees it.
      await client.set(stopKey(settings.prefix, entry.id), reason, 'EX', STOP_TTL_S);
      const state = await this.trials.getJobState(entry.id);
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
        // A job that is taken meanwhile is locked and stays: its worker stops it on seeing the flag.
        const removed = await this.trials.remove(entry.id).catch(() => 0);
        if (removed) entry.resolve(notStarted(reason));
      }
    })().catch((e: unknown) => this.warn(`could not stop trial ${entry.task.trialIndex}: ${e instanceof Error ? e.message : String(e)}`));
  }

  private readonly warn = warnOnce((message) => this.o.onWarning?.(message));
}

/** The outcome of a trial stopped before any worker started it. */
function notStarted(reason: string): TrialOutcome {
  return { runId: '', status: 'KILLED', metrics: {}, reason: `${reason} before the trial started`, durationMs: 0, trainMs: 0 };
}

function failure(reason: string | undefined): Error {
  const why = reason ?? 'the job failed without a reason';
  if (why.startsWith(WORKER_LOST_PREFIX)) return new WorkerLostError(why.slice(WORKER_LOST_PREFIX.length));
  if (/stalled more than allowable limit/i.test(why)) {
    return new WorkerLostError(`worker lost: the trial's workers stopped holding it too many times (ODELAB_QUEUE_MAX_STALLED; BullMQ: ${why})`);
  }
  return new Error(why);
}
