/**
 * Where trials run. Two executors with one interface:
 *
 * - ThreadExecutor: a piscina pool of worker threads (the JavaScript backends
 *   cpu and wasm; each thread has its own tfjs and backend). A thread that
 *   dies (process.exit in a plugin, out of memory past `resourceLimits`, a
 *   native crash of the thread) rejects its trial with WorkerLostError and
 *   piscina replaces the thread; the other trials go on.
 * - ProcessExecutor: one child process per trial, for the native backends
 *   (tfjs-node keeps one backend per process, tfjs issue 8388). Concurrent
 *   processes can share one GPU with TF_FORCE_GPU_ALLOW_GROWTH=true, which
 *   the executor sets unless the user set it.
 *
 * Both run TypeScript through tsx: the process worker with `--import`, the
 * thread worker by registering it in trial-worker-entry.mjs.
 *
 * A third implementation, core/queue/queue-executor.ts, sends trials to
 * `odelab worker`s on other machines through Redis; they run them on one of
 * these two.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { MessageChannel } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { TrialControl, TrialEvent, TrialOutcome, TrialTask } from './types.ts';

export interface TrialHandle {
  /** Ask the trial to stop after its current step (its run ends KILLED with the reason). */
  stop(reason: string): void;
  /** Forcibly end the worker (used by tests and a second Ctrl-C). */
  kill(): void;
  readonly done: Promise<TrialOutcome>;
}

/**
 * What an executor reports about a trial: the worker's events, and `lost`
 * when a run's worker was lost but the trial goes on elsewhere (the queue
 * executor: another machine took it over), so that run is ended FAILED.
 */
export type ExecutorEvent = TrialEvent | { type: 'lost'; runId: string; reason: string };

export interface TrialExecutor {
  /** How many trials run at once (the queue executor: unbounded, its workers decide). */
  readonly slots: number;
  readonly kind: 'thread' | 'process' | 'queue';
  start(task: TrialTask, onEvent: (e: ExecutorEvent) => void): TrialHandle;
  /** Params describing the executor on the sweep's parent run, replacing the defaults (sweep.workers, sweep.isolation). */
  describe?(): Record<string, string>;
  close(): Promise<void>;
}

/** The worker running a trial died before the trial ended (crash, out of memory, killed). */
export class WorkerLostError extends Error {}

const WORKER = new URL('./trial-worker-entry.mjs', import.meta.url);
const PROCESS_WORKER = fileURLToPath(new URL('./trial-process.ts', import.meta.url));
/** tsx's loader, resolved from odelab's own dependencies (a bare 'tsx' would resolve from the cwd). */
const TSX = ['--import', import.meta.resolve('tsx')];

export class ThreadExecutor implements TrialExecutor {
  readonly kind = 'thread';
  private readonly pool: Piscina;

  constructor(
    readonly slots: number,
    options: { maxOldGenerationSizeMb?: number } = {},
  ) {
    this.pool = new Piscina({
      filename: WORKER.href,
      minThreads: slots,
      maxThreads: slots,
      idleTimeout: 60_000,
      ...(options.maxOldGenerationSizeMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb } } : {}),
    });
    // A dying thread also emits 'error' on the pool when no task is attached; the task's own rejection is what we report.
    this.pool.on('error', () => {});
  }

  start(task: TrialTask, onEvent: (e: TrialEvent) => void): TrialHandle {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', onEvent);
    const abort = new AbortController();
    const done = this.pool
      .run({ task, port: port2 }, { transferList: [port2], signal: abort.signal })
      .catch((e: unknown) => {
        throw describeLoss(e);
      })
      .finally(() => port1.close()) as Promise<TrialOutcome>;
    return {
      stop: (reason) => port1.postMessage({ type: 'stop', reason } satisfies TrialControl),
      kill: () => abort.abort(),
      done,
    };
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/** Name the known ways a thread is lost; anything else (an error thrown by the trial's setup) passes through. */
function describeLoss(e: unknown): unknown {
  const err = e as { code?: string; message?: string; name?: string };
  if (err?.code === 'ERR_WORKER_OUT_OF_MEMORY') return new WorkerLostError(`worker thread ran out of memory: ${err.message}`);
  if (err?.name === 'AbortError') return new WorkerLostError('worker thread was terminated');
  const exited = /worker exited with code:? ?(-?\d+)/i.exec(err?.message ?? '');
  if (exited) return new WorkerLostError(`worker thread died (exit code ${exited[1]})`);
  return e;
}

export class ProcessExecutor implements TrialExecutor {
  readonly kind = 'process';
  private readonly children = new Set<ChildProcess>();

  constructor(readonly slots: number) {}

  start(task: TrialTask, onEvent: (e: TrialEvent) => void): TrialHandle {
    const env = { ...process.env };
    env.TF_FORCE_GPU_ALLOW_GROWTH ??= 'true';
    const child = fork(PROCESS_WORKER, [], { execArgv: TSX, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.children.add(child);
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    const done = new Promise<TrialOutcome>((resolve, reject) => {
      let settled = false;
      child.on('message', (m: TrialEvent | { type: 'done'; outcome: TrialOutcome } | { type: 'error'; message: string }) => {
        if (m.type === 'done') {
          settled = true;
          resolve(m.outcome);
        } else if (m.type === 'error') {
          settled = true;
          reject(new Error(m.message));
        } else onEvent(m);
      });
      child.on('exit', (code, signal) => {
        this.children.delete(child);
        if (!settled) {
          const tail = stderr.trim().split('\n').slice(-3).join(' | ');
          reject(new WorkerLostError(`trial process ended (${signal ? `signal ${signal}` : `exit code ${code}`})${tail ? `: ${tail}` : ''}`));
        }
      });
    });
    child.send({ type: 'task', task });
    return {
      stop: (reason) => {
        if (child.connected) child.send({ type: 'stop', reason } satisfies TrialControl);
      },
      kill: () => child.kill('SIGKILL'),
      done,
    };
  }

  async close(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
  }
}
