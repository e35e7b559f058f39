/**
 * `odelab worker --queue redis://…`: take trials of queued sweeps (`odelab
 * sweep --queue`) from Redis and run them here, `--workers` at a time, on
 * worker threads (cpu, wasm) or a process per trial (native backends), with
 * this machine's odelab and backend and each sweep's own experiment code
 * and tracking URI. One line per trial event on stdout.
 *
 * Ctrl-C (or SIGTERM) once: take no new trials, finish the running ones,
 * exit 0. Twice: stop the running trials now (their runs end KILLED) and
 * hand their jobs back to the queue for another worker, exit 130. Three
 * times: exit at once (the jobs go back after ODELAB_QUEUE_LOCK_MS).
 */
import { availableParallelism } from 'node:os';
import { ConfigError } from '../errors.ts';
import { connect } from '../queue/connection.ts';
import { QueueWorker } from '../queue/queue-worker.ts';
import { parseRedisUrl } from '../queue/redis-url.ts';
import { queueSettings } from '../queue/settings.ts';
import { ProcessExecutor, ThreadExecutor, type TrialExecutor } from '../sweep/executor.ts';
import { parseBackendName, resolveBackendName } from '../tensor/backend.ts';
import { checkCount } from './sweep-command.ts';

export interface WorkerArgs {
  queue: string;
  workers?: number;
  backend?: string;
  isolation?: 'thread' | 'process';
  builtinsModule?: string;
}

export async function workerCommand(args: WorkerArgs): Promise<number> {
  checkCount('--workers', args.workers, 1);
  if (!args.builtinsModule) throw new Error('workerCommand needs the URL of the built-in plugins module');
  const address = parseRedisUrl(args.queue, '--queue');
  const settings = queueSettings();
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
  const worker = new QueueWorker({ settings, client, executor, builtinsModule: args.builtinsModule, backend, log });
  await worker.ready();
  for (const w of warnings) log(`warning: ${w}`);
  log(`worker ${worker.name}: ${slots} ${isolation === 'process' ? 'processes' : 'worker threads'}, backend ${backend}, queue ${address.display} (prefix ${settings.prefix}); Ctrl-C to stop`);

  const code = await untilStopped(worker, log);
  await worker.close();
  log(`worker ${worker.name}: stopped`);
  return code;
}

/** Resolves with the exit code once the worker has drained (0) or handed its trials back (130). */
function untilStopped(worker: QueueWorker, log: (line: string) => void): Promise<number> {
  return new Promise((resolve) => {
    let count = 0;
    const handler = (signal: NodeJS.Signals) => {
      count += 1;
      if (count === 1) {
        log(`${signal}: taking no new trials; finishing ${worker.busy} running (again to hand them back to the queue)`);
        void worker.drain().then(() => resolve(count > 1 ? 130 : 0));
      } else if (count === 2) {
        log(`${signal}: stopping ${worker.busy} running trial(s) and handing them back to the queue (again to exit at once)`);
        worker.release();
      } else {
        process.exit(130);
      }
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
