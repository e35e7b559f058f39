/**
 * `odelab run <experiment.ts>`: validate everything, then train, evaluate
 * and log one run. Exit 0 when FINISHED, 1 when FAILED, 130 when KILLED
 * (invalid input exits 2 before any work starts, from main). Records a
 * remote tracking server has not acknowledged by the flush timeout do not
 * change the exit code: the summary says they wait for `odelab sync`.
 *
 * Ctrl-C / SIGTERM: before the run exists (loading, the backend, a tracking
 * server still being retried) the process exits 130 at once: there is
 * nothing to flush. Once it exists, training stops after the current step
 * and the run ends KILLED, its records flushed; if that takes longer than
 * ODELAB_STOP_GRACE seconds (default 10; stuck tracker I/O, a retry wait, a
 * slow flush) the process exits 130 anyway, saying what it was waiting for
 * (a remote run's records stay in its spool for `odelab sync`). A second
 * signal exits 130 at once.
 */
import { join, relative } from 'node:path';
import { loadExperiment } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import type { Registry } from '../registry/registry.ts';
import { resolveRunner, runContainer } from '../run/run-container.ts';
import type { RunSummary } from '../run/runner.ts';
import { initBackend, parseBackendName } from '../tensor/backend.ts';
import { InFlightTracker } from '../track/in-flight-tracker.ts';
import { resolveSpoolRoot } from '../track/spool-config.ts';
import { openTracker } from './command-options.ts';
import { createReporter } from './progress.ts';
import { formatRunSummary } from './run-summary.ts';

export interface RunArgs {
  experiment: string;
  set: string[];
  plugin: string[];
  backend?: string;
  seed?: number;
  trackingUri?: string;
  runName?: string;
  json: boolean;
  quiet: boolean;
}

/** Seconds a first Ctrl-C / SIGTERM leaves the run to end cleanly, unless ODELAB_STOP_GRACE says otherwise. */
export const DEFAULT_STOP_GRACE_S = 10;
const MAX_STOP_GRACE_S = 3600;

/** ODELAB_STOP_GRACE in milliseconds (a ConfigError naming the variable when it is not 0..3600 seconds). */
export function stopGraceMs(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.ODELAB_STOP_GRACE;
  if (raw === undefined || raw.trim() === '') return DEFAULT_STOP_GRACE_S * 1000;
  const seconds = Number(raw.trim());
  if (!/^\d+(\.\d*)?$/.test(raw.trim()) || seconds > MAX_STOP_GRACE_S) {
    throw new ConfigError('ODELAB_STOP_GRACE', `ODELAB_STOP_GRACE must be a number of seconds from 0 to ${MAX_STOP_GRACE_S}, got '${raw}'`);
  }
  return Math.round(seconds * 1000);
}

export interface StopSignalOptions {
  /** How long the first signal leaves the run to end before the process exits anyway. */
  graceMs: number;
  /** True once there is a run to end cleanly; before that a signal exits at once. */
  hasRun: () => boolean;
  /** What the process still waits for, said when the grace runs out. */
  pending: () => string;
  /** Injected by tests; default: the process's signals, exit, stderr and setTimeout. */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  exit?: (code: number) => void;
  write?: (text: string) => void;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

const INTERRUPTED = 130;

function realTimer(fn: () => void, ms: number): { cancel(): void } {
  const timer = setTimeout(fn, ms);
  timer.unref(); // a run that has ended is not held up by its grace
  return { cancel: () => clearTimeout(timer) };
}

/**
 * Ctrl-C / SIGTERM. Before the run exists: exit at once. After: ask the run
 * to stop (KILLED) and exit anyway when the grace runs out. A second signal
 * exits at once.
 */
export function installStopSignals(options: StopSignalOptions): { shouldStop: () => string | undefined; dispose: () => void } {
  const signals = options.signals ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const setTimer = options.setTimer ?? realTimer;
  const seconds = `${options.graceMs / 1000} s`;
  let received: string | undefined;
  let grace: { cancel(): void } | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      write(`\n${signal} again: exiting now (${options.pending()})\n`);
      exit(INTERRUPTED);
      return;
    }
    received = signal;
    if (!options.hasRun()) {
      write(`\n${signal}: no run created yet, nothing to flush; exiting\n`);
      exit(INTERRUPTED);
      return;
    }
    write(`\n${signal}: stopping after this step; the run ends KILLED (exiting in ${seconds} at the latest; again to exit now)\n`);
    grace = setTimer(() => {
      write(`odelab: ${signal}: the run did not end within ${seconds} (${options.pending()}); exiting\n`);
      exit(INTERRUPTED);
    }, options.graceMs);
  };
  signals.on('SIGINT', handler);
  signals.on('SIGTERM', handler);
  return {
    shouldStop: () => received,
    dispose: () => {
      grace?.cancel();
      signals.off('SIGINT', handler);
      signals.off('SIGTERM', handler);
    },
  };
}

/** What a stopping run still waits for, in a few words. */
function describePending(tracker: InFlightTracker): string {
  const calls = tracker.inFlight();
  const parts = [calls.length ? `waiting for ${tracker.uri}: ${calls.join(', ')}` : 'the run had not ended yet'];
  const run = tracker.createdRun;
  if (tracker.remote && run) {
    let where = 'its spool';
    try {
      where = join(resolveSpoolRoot(undefined), run.runId);
    } catch {
      // an invalid ODELAB_SPOOL_DIR was refused before the run was created; keep the generic words
    }
    parts.push(`records the server has not acknowledged stay in ${where}; 'odelab sync' sends them`);
  }
  return parts.join('; ');
}

export async function runCommand(registry: Registry, args: RunArgs): Promise<number> {
  const backendName = parseBackendName(
    args.backend ?? process.env.ODELAB_BACKEND ?? 'auto',
    args.backend ? '--backend' : 'ODELAB_BACKEND',
  );
  const graceMs = stopGraceMs();
  const loaded = await loadExperiment(args.experiment, registry, {
    overrides: args.set,
    pluginPaths: args.plugin,
    seed: args.seed,
  });
  // Before the backend starts and before anything is logged: an unusable store is bad input.
  const tracker = new InFlightTracker(await openTracker(registry, args.trackingUri));
  const signals = installStopSignals({ graceMs, hasRun: () => tracker.createdRun !== undefined, pending: () => describePending(tracker) });
  let summary: RunSummary;
  try {
    const backend = await initBackend(backendName);
    const reporter = createReporter(args.quiet);

    const runner = resolveRunner(runContainer({ registry, tracker, reporter, backend }));

    if (!args.json) reporter.message(`odelab: ${loaded.resolved.name} on backend ${backend}, tracking ${tracker.uri}`);
    summary = await runner.run({ loaded, runName: args.runName, shouldStop: signals.shouldStop });
  } finally {
    signals.dispose();
  }
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(`${[...formatRunSummary(summary, loaded.resolved, tracker.uri), ...formatUndelivered(summary.undelivered)].join('\n')}\n`);
  if (args.json && summary.undelivered) process.stderr.write(formatUndelivered(summary.undelivered).map((l) => `odelab: ${l}\n`).join(''));
  return summary.status === 'FINISHED' ? 0 : summary.status === 'KILLED' ? 130 : 1;
}

/** What the tracking server does not have yet (the exit code stays the run's own: the run itself did end). */
function formatUndelivered(u: RunSummary['undelivered']): string[] {
  const lines: string[] = [];
  if (!u) return lines;
  if (u.pending > 0) {
    lines.push(
      `tracking: ${u.pending} record${u.pending === 1 ? '' : 's'} not yet on the tracking server, kept in ${u.spoolDir}; ` +
        "the run will be complete there after 'odelab sync'",
    );
  }
  if (u.rejected > 0) lines.push(`tracking: ${u.rejected} record${u.rejected === 1 ? '' : 's'} refused by the tracking server, kept in ${u.spoolDir}/rejected.jsonl`);
  return lines;
}
