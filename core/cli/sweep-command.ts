/**
 * `odelab sweep <experiment>`: run the experiment's `sweep` section on a
 * worker pool (see core/sweep/). Progress on stderr (a redrawn line on a
 * terminal: done/running/failed/stopped, best so far, ETA), then the table
 * sorted by the objective on stdout (`--json`: one JSON object), the best
 * trial's overrides (the sweep's own --set/--set-file ones, then the trial's
 * values) written to a file `odelab run --set-file` accepts: --best-out, else
 * .odelab/sweeps/<sweep id>-best.json under the cwd (git-ignored), and as the
 * parent run's artifact sweep_report/best_overrides.json. The objective
 * metric is checked before any work against the metrics a run logs
 * (core/run/logged-metrics.ts).
 * Exit 0 when the sweep finished (even with failed trials: see the table),
 * 1 when every trial failed, 130 when interrupted, 2 for invalid input.
 *
 * With `--queue redis://…` the trials go to a BullMQ queue for `odelab
 * worker`s on any machines (core/queue/) and everything else stays here:
 * the parent run, ASHA, retries, the table and the report. The workers
 * choose threads or processes, their number and the backend, so --workers,
 * --isolation and --backend are refused with --queue.
 */
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { loadExperiment, type LoadedExperiment } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { Registry } from '../registry/registry.ts';
import { parseBackendName, resolveBackendName } from '../tensor/backend.ts';
import { resolveTrackingUri } from '../track/select.ts';
import { makeDirs } from '../track/local-folder.ts';
import { checkOutputFolder, openTracker } from './command-options.ts';
import type { Tracker } from '../track/tracker.ts';
import { ProcessExecutor, ThreadExecutor, type TrialExecutor } from '../sweep/executor.ts';
import type { QueueExecutor } from '../queue/queue-executor.ts';
import { trialLabel } from '../sweep/expand.ts';
import { formatTable } from '../sweep/report.ts';
import type { TrialRecord } from '../sweep/scheduler.ts';
import { planSweep, runSweep, type SweepResult } from '../sweep/sweep.ts';

export interface SweepArgs {
  experiment: string;
  set: string[];
  plugin: string[];
  backend?: string;
  trackingUri?: string;
  workers?: number;
  maxTrials?: number;
  scheduler: 'none' | 'asha';
  maxFailures: number;
  resume?: string;
  isolation?: 'thread' | 'process';
  bestOut?: string;
  /** Redis URL: enqueue the trials for `odelab worker`s instead of running them here. */
  queue?: string;
  /** `--insecure-queue`: queue without ODELAB_QUEUE_KEY (nothing signed). */
  insecureQueue?: boolean;
  json: boolean;
  quiet: boolean;
  builtinsModule?: string;
}

export function checkCount(flag: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new ConfigError(flag, `${flag} must be an integer ≥ ${min}, got ${v}`);
}

export async function sweepCommand(registry: Registry, args: SweepArgs): Promise<number> {
  checkCount('--workers', args.workers, 1);
  checkCount('--max-trials', args.maxTrials, 1);
  checkCount('--max-failures', args.maxFailures, 0);
  if (!args.builtinsModule) throw new Error('sweepCommand needs the URL of the built-in plugins module');
  const queued = args.queue !== undefined;
  if (queued) {
    for (const [flag, value] of [['--workers', args.workers], ['--isolation', args.isolation], ['--backend', args.backend]] as const) {
      if (value !== undefined) throw new ConfigError(flag, `${flag} does not apply with --queue: each machine chooses it with odelab worker ${flag}`);
    }
  }
  // With --queue each worker chooses its backend; the parent run says so.
  const backendName = queued ? undefined : parseBackendName(args.backend ?? process.env.ODELAB_BACKEND ?? 'auto', args.backend ? '--backend' : 'ODELAB_BACKEND');
  const backend = backendName ? resolveBackendName(backendName) : 'per-worker';
  const native = backend === 'tensorflow' || backend === 'tensorflow-gpu';
  if (args.isolation === 'thread' && native) {
    throw new ConfigError('--isolation', `--isolation thread cannot host backend '${backend}': tfjs-node keeps one backend per process (tfjs issue 8388); use --isolation process`);
  }
  const pluginPaths = args.plugin.map((p) => resolve(p));
  const loaded = await loadExperiment(args.experiment, registry, { overrides: args.set, pluginPaths });
  const plan = planSweep({ loaded, registry, maxTrials: args.maxTrials, scheduler: args.scheduler, overrides: args.set }); // every input error before any work
  const trackingUri = resolveTrackingUri(args.trackingUri).uri;
  // Workers run in other threads or processes, maybe another cwd: give them an absolute store path.
  const workerUri = /^[a-z][a-z0-9+.-]+:/i.test(trackingUri) ? trackingUri : resolve(trackingUri);

  const slots = args.workers ?? availableParallelism();
  const isolation = args.isolation ?? (native ? 'process' : 'thread');
  const queue = queued ? await openQueue(args, loaded, pluginPaths, workerUri, (i) => trialLabel(plan.trials[i]!.params)) : undefined;
  // The places the sweep writes, after every other input is checked (a bad queue setting creates no store).
  const tracker = await checkSweepOutputs(registry, args).catch(async (e: unknown) => {
    await queue?.close();
    throw e;
  });
  const executor: TrialExecutor = queue ?? (isolation === 'process' ? new ProcessExecutor(slots) : new ThreadExecutor(slots));
  const where = queue ? `queue ${queue.describe()['sweep.queue']}` : `${slots} ${isolation === 'process' ? 'processes' : 'worker threads'}`;
  const progress = args.quiet ? undefined : new SweepProgress();
  const signals = stopSignals(executor);
  try {
    const result = await runSweep({
      loaded,
      registry,
      tracker,
      trackingUri: workerUri,
      overrides: args.set,
      pluginPaths,
      builtinsModule: args.builtinsModule,
      backend,
      executor,
      scheduler: args.scheduler,
      maxTrials: args.maxTrials,
      maxFailures: args.maxFailures,
      resume: args.resume,
      shouldStop: signals.shouldStop,
      onChange: (records) => progress?.update(records, loaded.resolved.sweep!.objective.mode),
    }, plan);
    progress?.done();
    // An interrupted sweep stays in Redis for --resume; a finished one is removed from it.
    if (queue && result.status !== 'KILLED') await queue.finishSweep(result.sweepId).catch((e: unknown) => warn(`could not remove the sweep's jobs from Redis: ${String(e)}`));
    await report(args, result, where, queue !== undefined);
    return result.status === 'KILLED' ? 130 : result.status === 'FAILED' ? 1 : 0;
  } finally {
    signals.dispose();
    await executor.close();
  }
}

/** Where best-overrides files go unless --best-out says otherwise (relative to the cwd; git-ignored). */
export const BEST_DIR = join('.odelab', 'sweeps');

/** The best-overrides file of a sweep: --best-out, else BEST_DIR/<sweep id>-best.json (its folder created). */
/** The tracker, usable, and the best-overrides folder, writable: bad input (exit 2) otherwise. */
async function checkSweepOutputs(registry: Registry, args: SweepArgs): Promise<Tracker> {
  const tracker = await openTracker(registry, args.trackingUri);
  await checkOutputFolder(dirname(bestFilePath(args, '')), args.bestOut ? '--best-out' : `best-overrides folder ${BEST_DIR}`);
  return tracker;
}

function bestFilePath(args: SweepArgs, sweepId: string): string {
  return resolve(args.bestOut ?? join(BEST_DIR, `${sweepId}-best.json`));
}

async function writeBestFile(args: SweepArgs, sweepId: string, best: Record<string, unknown>): Promise<string> {
  const file = bestFilePath(args, sweepId);
  await makeDirs(dirname(file));
  await writeFile(file, `${JSON.stringify(best, null, 2)}\n`);
  return file;
}

/** The command that reruns the best trial (the sweep's --plugin modules are not in the file). */
function rerunCommand(args: SweepArgs, bestFile: string): string {
  const shown = relative(process.cwd(), bestFile);
  const file = shown && !shown.startsWith('..') ? shown : bestFile;
  return ['odelab run', args.experiment, '--set-file', file, ...args.plugin.map((p) => `--plugin ${p}`)].join(' ');
}

/** The best overrides file, then the table (or JSON) on stdout. */
async function report(args: SweepArgs, result: SweepResult, where: string, queued: boolean): Promise<void> {
  const bestFile = result.best ? await writeBestFile(args, result.sweepId, result.best) : undefined;
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ sweepId: result.sweepId, experimentId: result.experimentId, status: result.status, objective: result.objective, best: result.best ?? null, bestFile: bestFile ?? null, durationMs: result.durationMs, rows: result.table })}\n`);
  } else {
    const lines = [`sweep ${result.sweepId} ${result.status} in ${(result.durationMs / 1000).toFixed(1)}s (${result.objective.mode} ${result.objective.metric}, ${where})`, '', formatTable(result.table, result.objective.metric), ''];
    // A finished trial with a reason finished without the objective (its evaluation diverged).
    for (const r of result.table.filter((x) => x.reason)) lines.push(`trial ${r.trial} ${r.state}: ${r.reason}`);
    if (bestFile) lines.push(`best overrides: ${bestFile}  (rerun: ${rerunCommand(args, bestFile)})`);
    else if (result.status !== 'KILLED') lines.push(`no best trial: no trial finished with a value of ${result.objective.metric}, so no best overrides file`);
    if (result.status === 'KILLED') lines.push(`resume with: odelab sweep ${args.experiment} --resume ${result.sweepId}${queued ? ' --queue URL' : ''}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

function warn(message: string): void {
  process.stderr.write(`odelab: warning: ${message}\n`);
}

/** The queue executor of `--queue`: URL, settings, code bundle and Redis all checked here, before any work. */
async function openQueue(args: SweepArgs, loaded: LoadedExperiment, pluginPaths: string[], trackingUri: string, label: (trial: number) => string): Promise<QueueExecutor> {
  if (!/^https?:/i.test(trackingUri)) warn(`trials log to ${trackingUri} on each worker's machine; workers on other machines need an MLflow server (--tracking-uri http://…)`);
  const { openSweepQueue } = await import('../queue/open-sweep-queue.ts');
  const queue: QueueExecutor = await openSweepQueue({
    url: args.queue!,
    loaded,
    pluginPaths,
    label,
    insecure: args.insecureQueue ?? false,
    warn,
    onQueued: (id) => {
      if (!args.quiet) process.stderr.write(`sweep ${id}: trials queued on ${queue.describe()['sweep.queue']}; if this process stops, resume with --resume ${id} --queue URL\n`);
    },
  });
  return queue;
}

/**
 * First Ctrl-C: stop the sweep (running trials end KILLED); second: kill the
 * workers and exit 130, after at most a few seconds even if a worker stuck in
 * I/O never confirms it closed; a third exits at once.
 */
function stopSignals(executor: TrialExecutor) {
  const CLOSE_WAIT_MS = 5000;
  let received: string | undefined;
  let exiting = false;
  const handler = (signal: NodeJS.Signals) => {
    if (exiting) process.exit(130);
    if (received) {
      exiting = true;
      process.stderr.write(`\n${signal} again: stopping the workers and exiting (within ${CLOSE_WAIT_MS / 1000} s; again to exit now)\n`);
      setTimeout(() => process.exit(130), CLOSE_WAIT_MS);
      void executor.close().finally(() => process.exit(130));
      return;
    }
    received = signal;
    process.stderr.write(`\n${signal}: stopping the sweep; running trials end KILLED (again to exit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return { shouldStop: () => received, dispose: () => (process.off('SIGINT', handler), process.off('SIGTERM', handler)) };
}

class SweepProgress {
  private readonly tty = Boolean(process.stderr.isTTY);
  private readonly started = Date.now();
  private last = '';

  update(records: readonly TrialRecord[], mode: 'min' | 'max'): void {
    const n = (s: TrialRecord['state']) => records.filter((r) => r.state === s).length;
    const ended = records.filter((r) => r.state !== 'PENDING' && r.state !== 'RUNNING');
    const finished = records.filter((r) => r.state === 'FINISHED' && r.objective !== undefined && Number.isFinite(r.objective));
    const best = finished.sort((a, b) => (mode === 'min' ? a.objective! - b.objective! : b.objective! - a.objective!))[0];
    const perTrial = ended.length ? (Date.now() - this.started) / ended.length : NaN;
    const left = n('PENDING') + n('RUNNING');
    const eta = Number.isFinite(perTrial) ? `ETA ${Math.round((perTrial * left) / 1000)}s` : 'ETA ?';
    const line = `sweep: ${n('FINISHED')}/${records.length} done · ${n('RUNNING')} running · ${n('FAILED')} failed · ${n('STOPPED')} stopped${n('KILLED') ? ` · ${n('KILLED')} killed` : ''} · best ${best ? `${best.objective!.toPrecision(4)} (trial ${best.index})` : '-'} · ${eta}`;
    if (line === this.last) return;
    this.last = line;
    process.stderr.write(this.tty ? `\r\x1b[2K${line}` : `${line}\n`);
  }

  done(): void {
    if (this.tty && this.last) process.stderr.write('\n');
  }
}
