/**
 * `odelab worker --queue redis://…`: take trials of queued sweeps (`odelab
 * sweep --queue`) from Redis and run them here, `--workers` at a time, on
 * worker threads (cpu, wasm) or a process per trial (native backends), with
 * this machine's odelab and backend and each sweep's own experiment code
 * and tracking URI. One line per trial event on stdout. Only jobs and code
 * signed with ODELAB_QUEUE_KEY run (core/queue/signing.ts); without a key the
 * worker refuses to start unless `--insecure-queue` or ODELAB_QUEUE_INSECURE=1.
 *
 * Ctrl-C (or SIGTERM) once: take no new trials, finish the running ones,
 * exit 0. Twice: stop the running trials now (their runs end KILLED) and
 * hand their jobs back to the queue for another worker, exit 130; trials
 * that have not stopped within ODELAB_STOP_GRACE seconds (default 10) are
 * left behind and the worker exits 130 anyway, as it does when closing its
 * connections takes longer than that. Three times: exit at once (the jobs go
 * back after ODELAB_QUEUE_LOCK_MS).
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.ts';
import { connect } from '../queue/connection.ts';
import { QueueWorker } from '../queue/queue-worker.ts';
import { parseRedisUrl } from '../queue/redis-url.ts';
import { queueSettings } from '../queue/settings.ts';
import { INSECURE_WARNING, queueSigner } from '../queue/signing.ts';
import { ProcessExecutor, ThreadExecutor, type TrialExecutor } from '../sweep/executor.ts';
import { parseBackendName, resolveBackendName } from '../tensor/backend.ts';
import { stopGraceMs } from './run-command.ts';
import { checkCount } from './sweep-command.ts';

export interface WorkerArgs {
  queue: string;
  workers?: number;
  backend?: string;
  isolation?: 'thread' | 'process';
  builtinsModule?: string;
  /** `--insecure-queue`: run unsigned jobs (no ODELAB_QUEUE_KEY). */
  insecureQueue?: boolean;
}

export async function workerCommand(args: WorkerArgs): Promise<number> {
  checkCount('--workers', args.workers, 1);
  const graceMs = stopGraceMs();
  if (!args.builtinsModule) throw new Error('workerCommand needs the URL of the built-in plugins module');
  const address = parseRedisUrl(args.queue, '--queue');
  const settings = queueSettings();
  const signer = queueSigner('odelab worker', args.insecureQueue ?? false);
  const backend = resolveBackendName(parseBackendName(args.backend ?? process.env.ODELAB_BACKEND ?? 'auto', args.backend ? '--backend' : 'ODELAB_BACKEND'));
  const native = backend === 'tensorflow' || backend === 'tensorflow-gpu';
  if (args.isolation === 'thread' && native) {
    throw new ConfigError('--isolation', `--isolation thread cannot host backend '${backend}': tfjs-node keeps one backend per process (tfjs issue 8388); use --isolation process`);
  }
  const { client, warnings } = await connect(address, '--queue');
  const slots = args.workers ?? availableParallelism();
  const isolation = args.isolation ?? (native ? 'process' : 'thread');
  const executor: TrialExecutor = isolation === 'process' ? new ProcessExecutor(slots) : new ThreadExecutor(slots);
  const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const worker = new QueueWorker({ settings, client, executor, builtinsModule: args.builtinsModule, backend, signer, log });
  await worker.ready();
  for (const w of warnings) log(`warning: ${w}`);
  if (!signer.secure) log(`warning: ${INSECURE_WARNING}`);
  log(`worker ${worker.name}: ${slots} ${isolation === 'process' ? 'processes' : 'worker threads'}, backend ${backend}, queue ${address.display} (prefix ${settings.prefix}); Ctrl-C to stop`);

  const code = await untilStopped(worker, log, graceMs);
  if (await withinGrace(worker.close(), graceMs)) log(`worker ${worker.name}: stopped`);
  else log(`worker ${worker.name}: its connections and workers did not close within ${graceMs / 1000} s; exiting without them`);
  return code;
}

/** True when `work` settled within `ms`; false when the wait was given up (the work goes on unwatched). */
async function withinGrace(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const, () => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the exit code once the worker has drained (0) or handed its trials back (130). */
function untilStopped(worker: QueueWorker, log: (line: string) => void, graceMs: number): Promise<number> {
  return new Promise((resolve) => {
    let count = 0;
    const handler = (signal: NodeJS.Signals) => {
      count += 1;
      if (count === 1) {
        log(`${signal}: taking no new trials; finishing ${worker.busy} running (again to hand them back to the queue)`);
        void worker.drain().then(() => resolve(count > 1 ? 130 : 0));
      } else if (count === 2) {
        log(`${signal}: stopping ${worker.busy} running trial(s) and handing them back to the queue (exiting in ${graceMs / 1000} s at the latest; again to exit at once)`);
        worker.release();
        // A trial stuck in I/O may never confirm that it stopped.
        setTimeout(() => {
          log(`${signal}: ${worker.busy} trial(s) still running after ${graceMs / 1000} s; exiting (their jobs go back to the queue after ODELAB_QUEUE_LOCK_MS)`);
          process.exit(130);
        }, graceMs).unref();
      } else {
        process.exit(130);
      }
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
