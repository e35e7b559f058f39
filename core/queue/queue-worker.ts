/**
 * What `odelab worker` runs: a BullMQ Worker on the trials queue whose jobs
 * run on this machine's local executor (worker threads, or a process per
 * trial for native backends), `slots` at a time.
 *
 * For each job: its signature is checked first (signing.ts; a job or code
 * bundle that fails the check is refused and the job fails with the reason,
 * before any of its code is written or imported); a stop request already there ends it at once (KILLED, no
 * run); otherwise the code bundle is materialised (code-cache.ts), the trial
 * starts with this worker's built-ins and backend and the tracking URI the
 * sweep gave, its events go to the job's log (job-data.ts), stop requests
 * are polled every half second, and the outcome becomes the job's return
 * value. A trial that cannot start, or whose thread or process dies, fails
 * the job (WORKER_LOST in the reason for the latter); retrying is the
 * scheduler's decision (--max-failures), so every job has one BullMQ attempt.
 *
 * If this whole process dies (SIGKILL, a lost machine), its claims on jobs
 * expire after ODELAB_QUEUE_LOCK_MS and another worker's stalled check puts
 * the jobs back in the queue: the same attempt runs again elsewhere.
 *
 * Shutting down: `drain()` takes no new trials and waits for the running
 * ones; `release()` stops the running trials now (their runs end KILLED)
 * and puts their jobs back in the queue for another worker (BullMQ's
 * moveToWait), without costing the trial an attempt.
 */
import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { WorkerLostError, type TrialExecutor, type TrialHandle } from '../sweep/executor.ts';
import type { TrialEvent, TrialOutcome, TrialTask } from '../sweep/types.ts';
import { CodeCache } from './code-cache.ts';
import { describeOdelabVersion, odelabVersion } from './odelab-version.ts';
import { signedJobPayload, WORKER_LOST_PREFIX, type EventRow, type JobProgress, type TrialJobData } from './job-data.ts';
import { TRIALS_QUEUE, stopKey } from './layout.ts';
import type { QueueSettings } from './settings.ts';
import type { QueueSigner } from './signing.ts';
import { warnOnce } from './warn-once.ts';

const STOP_POLL_MS = 500;
/** How long closing may wait for Redis before the worker leaves anyway. */
const CLOSE_GRACE_MS = 5000;

export interface QueueWorkerOptions {
  settings: QueueSettings;
  /** A connected client (connection.ts), owned by the worker from now on. */
  client: Redis;
  executor: TrialExecutor;
  /** URL of this installation's built-in plugins module. */
  builtinsModule: string;
  /** This worker's backend (every trial it runs uses it). */
  backend: string;
  /** Checks every job and code bundle before anything of it runs (signing.ts). */
  signer: QueueSigner;
  log(line: string): void;
}

interface Running {
  job: Job<TrialJobData, TrialOutcome>;
  handle?: TrialHandle;
  released: boolean;
}

export class QueueWorker {
  readonly name = `${hostname()}:${process.pid}`;
  private readonly worker: Worker<TrialJobData, TrialOutcome>;
  private readonly code: CodeCache;
  private readonly running = new Map<string, Running>();
  private readonly poller: NodeJS.Timeout;

  constructor(private readonly o: QueueWorkerOptions) {
    const s = o.settings;
    this.code = new CodeCache(o.client, s.prefix, o.signer);
    this.worker = new Worker<TrialJobData, TrialOutcome>(TRIALS_QUEUE, (job, token) => this.process(job, token), {
      connection: o.client,
      prefix: s.prefix,
      name: this.name,
      concurrency: o.executor.slots,
      lockDuration: s.lockMs,
      stalledInterval: s.stalledMs,
      maxStalledCount: s.maxStalled,
    });
    this.worker.on('error', (e) => this.warn(`queue: ${e.message}`));
    this.poller = setInterval(() => void this.pollStops().catch((e: unknown) => this.warn(`stop poll: ${String(e)}`)), STOP_POLL_MS);
  }

  async ready(): Promise<void> {
    await this.worker.waitUntilReady();
  }

  get busy(): number {
    return this.running.size;
  }

  /** Take no new trials; resolves when the running ones have ended (and, Redis permitting, been recorded). */
  async drain(): Promise<void> {
    // BullMQ's close waits for Redis; with Redis away and nothing running there is nothing to wait for.
    await Promise.race([this.worker.close(), this.idleWithoutRedis()]);
  }

  /** Stop the running trials now and put their jobs back in the queue for another worker. */
  release(): void {
    for (const r of this.running.values()) {
      r.released = true;
      r.handle?.stop(`worker ${this.name} handing the trial back to the queue`);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.poller);
    await Promise.race([this.worker.close(true), delay(CLOSE_GRACE_MS, undefined, { ref: false })]);
    await this.o.executor.close();
    this.o.client.disconnect();
  }

  private async idleWithoutRedis(): Promise<void> {
    while (this.running.size || this.o.client.status === 'ready') await delay(STOP_POLL_MS);
  }

  private async process(job: Job<TrialJobData, TrialOutcome>, token?: string): Promise<TrialOutcome> {
    const id = job.id!;
    try {
      // Nothing of a job is trusted (not even its shape) until its signature is checked.
      this.o.signer.verify('job', signedJobPayload(job.data), job.data?.mac, `job ${id}`);
    } catch (e) {
      this.o.log(`job ${id}: ${(e as Error).message}`);
      throw e;
    }
    const { task: queued, code, label, odelab } = job.data;
    const what = `trial ${queued.trialIndex} attempt ${queued.attempt} of sweep ${queued.sweepId.slice(0, 8)} (${label})`;
    const requested = await this.o.client.get(stopKey(this.o.settings.prefix, id));
    if (requested) {
      this.o.log(`${what}: not started, ${requested}`);
      return { runId: '', status: 'KILLED', metrics: {}, reason: `${requested} before the trial started`, durationMs: 0, trainMs: 0 };
    }
    const mine = odelabVersion();
    if (odelab.commit !== mine.commit || odelab.version !== mine.version) {
      this.warn(`the sweep was started with odelab ${describeOdelabVersion(odelab)}, this worker has ${describeOdelabVersion(mine)}: the experiment's code is the sweep's, odelab's is this machine's`);
    }
    const slot: Running = { job, released: false };
    this.running.set(id, slot);
    const events = new JobEventLog(job, this.name, (e) => this.warn(`could not log a trial event: ${String(e)}`));
    try {
      const paths = await this.code.paths(code);
      if (slot.released) return await this.handBack(job, token, what);
      const task: TrialTask = { ...queued, ...paths, builtinsModule: this.o.builtinsModule, backend: this.o.backend };
      this.o.log(`${what}: took it`);
      slot.handle = this.o.executor.start(task, (e) => {
        if (e.type === 'lost') return;
        const logged = events.push(e);
        // Said once the scheduler can know it: a worker killed before that leaves a run nobody can end.
        if (e.type === 'started') void logged.then(() => this.o.log(`${what}: run ${e.runId} started`));
      });
      let out: TrialOutcome;
      try {
        out = await slot.handle.done;
      } catch (e) {
        await events.flush();
        if (slot.released) return await this.handBack(job, token, what);
        throw e instanceof WorkerLostError ? new Error(`${WORKER_LOST_PREFIX}${e.message}`) : e;
      }
      events.ended();
      await events.flush();
      if (slot.released && out.status === 'KILLED') return await this.handBack(job, token, what);
      this.o.log(`${what}: ${out.status} in ${(out.durationMs / 1000).toFixed(1)}s${out.reason ? ` (${out.reason.slice(0, 200)})` : ''}`);
      return out;
    } catch (e) {
      if (!(e instanceof WaitingError)) this.o.log(`${what}: failed: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    } finally {
      this.running.delete(id);
    }
  }

  private async handBack(job: Job, token: string | undefined, what: string): Promise<never> {
    await job.moveToWait(token);
    this.o.log(`${what}: handed back to the queue`);
    throw new WaitingError();
  }

  private async pollStops(): Promise<void> {
    const ids = [...this.running.keys()];
    if (!ids.length) return;
    const reasons = await this.o.client.mget(...ids.map((id) => stopKey(this.o.settings.prefix, id)));
    ids.forEach((id, i) => {
      const reason = reasons[i];
      if (reason) this.running.get(id)?.handle?.stop(reason);
    });
  }

  private readonly warn = warnOnce((message) => this.o.log(`warning: ${message}`));
}

/** A trial's events as rows of its job's log, in order, each followed by a progress bump. */
class JobEventLog {
  private chain: Promise<void> = Promise.resolve();
  private run = '';

  constructor(
    private readonly job: Job,
    private readonly worker: string,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Resolves once the row is in Redis (or could not be written). */
  push(event: TrialEvent): Promise<void> {
    if (event.type === 'started') this.run = event.runId;
    return this.append({ run: this.run, worker: this.worker, event });
  }

  /** The run ended properly: should this job run again, this run was not lost. */
  ended(): void {
    if (this.run) this.append({ run: this.run, worker: this.worker, ended: true });
  }

  flush(): Promise<void> {
    return this.chain;
  }

  private append(row: EventRow): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        const events = await this.job.log(JSON.stringify(row));
        await this.job.updateProgress({ events } satisfies JobProgress);
      })
      .catch(this.onError);
    return this.chain;
  }
}
