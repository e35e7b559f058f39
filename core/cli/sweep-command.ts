/**
 * `odelab sweep <experiment>`: run the experiment's `sweep` section on a
 * worker pool (see core/sweep/). Progress on stderr (a redrawn line on a
 * terminal: done/running/failed/stopped, best so far, ETA), then the table
 * sorted by the objective on stdout (`--json`: one JSON object), the best
 * trial's overrides written to a file `odelab run --set-file` accepts.
 * Exit 0 when the sweep finished (even with failed trials: see the table),
 * 1 when every trial failed, 130 when interrupted, 2 for invalid input.
 */
import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadExperiment } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { Registry } from '../registry/registry.ts';
import { parseBackendName, resolveBackendName } from '../tensor/backend.ts';
import { DEFAULT_TRACKING_URI, selectTracker } from '../track/select.ts';
import { ProcessExecutor, ThreadExecutor, type TrialExecutor } from '../sweep/executor.ts';
import { formatTable } from '../sweep/report.ts';
import type { TrialRecord } from '../sweep/scheduler.ts';
import { planSweep, runSweep } from '../sweep/sweep.ts';

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
  json: boolean;
  quiet: boolean;
  builtinsModule?: string;
}

function checkCount(flag: string, v: number | undefined, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new ConfigError(flag, `${flag} must be an integer ≥ ${min}, got ${v}`);
}

export async function sweepCommand(registry: Registry, args: SweepArgs): Promise<number> {
  checkCount('--workers', args.workers, 1);
  checkCount('--max-trials', args.maxTrials, 1);
  checkCount('--max-failures', args.maxFailures, 0);
  if (!args.builtinsModule) throw new Error('sweepCommand needs the URL of the built-in plugins module');
  const backendName = parseBackendName(args.backend ?? process.env.ODELAB_BACKEND ?? 'auto', args.backend ? '--backend' : 'ODELAB_BACKEND');
  const backend = resolveBackendName(backendName);
  const native = backend === 'tensorflow' || backend === 'tensorflow-gpu';
  if (args.isolation === 'thread' && native) {
    throw new ConfigError('--isolation', `--isolation thread cannot host backend '${backend}': tfjs-node keeps one backend per process (tfjs issue 8388); use --isolation process`);
  }
  const pluginPaths = args.plugin.map((p) => resolve(p));
  const loaded = await loadExperiment(args.experiment, registry, { overrides: args.set, pluginPaths });
  planSweep({ loaded, registry, maxTrials: args.maxTrials, scheduler: args.scheduler, overrides: args.set }); // every input error before any work
  const trackingUri = args.trackingUri ?? process.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  const tracker = selectTracker(registry, trackingUri, args.trackingUri ? '--tracking-uri' : 'MLFLOW_TRACKING_URI');
  // Workers run in other threads or processes, maybe another cwd: give them an absolute store path.
  const workerUri = /^[a-z][a-z0-9+.-]+:/i.test(trackingUri) ? trackingUri : resolve(trackingUri);

  const slots = args.workers ?? availableParallelism();
  const isolation = args.isolation ?? (native ? 'process' : 'thread');
  const executor: TrialExecutor = isolation === 'process' ? new ProcessExecutor(slots) : new ThreadExecutor(slots);
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
    });
    progress?.done();
    let bestFile: string | undefined;
    if (result.best) {
      bestFile = resolve(args.bestOut ?? `sweep-${result.sweepId}-best.json`);
      await writeFile(bestFile, `${JSON.stringify(result.best, null, 2)}\n`);
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ sweepId: result.sweepId, experimentId: result.experimentId, status: result.status, objective: result.objective, best: result.best ?? null, bestFile: bestFile ?? null, durationMs: result.durationMs, rows: result.table })}\n`);
    } else {
      const lines = [`sweep ${result.sweepId} ${result.status} in ${(result.durationMs / 1000).toFixed(1)}s (${result.objective.mode} ${result.objective.metric}, ${slots} ${isolation === 'process' ? 'processes' : 'worker threads'})`, '', formatTable(result.table, result.objective.metric), ''];
      const failed = result.table.filter((r) => r.reason && (r.state === 'FAILED' || r.state === 'STOPPED' || r.state === 'KILLED'));
      for (const r of failed) lines.push(`trial ${r.trial} ${r.state}: ${r.reason}`);
      if (bestFile) lines.push(`best overrides: ${bestFile}  (odelab run ${args.experiment} --set-file ${bestFile})`);
      if (result.status === 'KILLED') lines.push(`resume with: odelab sweep ${args.experiment} --resume ${result.sweepId}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return result.status === 'KILLED' ? 130 : result.status === 'FAILED' ? 1 : 0;
  } finally {
    signals.dispose();
    await executor.close();
  }
}

/** First Ctrl-C: stop the sweep (running trials end KILLED); second: kill the workers and exit. */
function stopSignals(executor: TrialExecutor) {
  let received: string | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
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
