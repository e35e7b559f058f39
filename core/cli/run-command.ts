/**
 * `odelab run <experiment.ts>`: validate everything, then train, evaluate
 * and log one run. Exit 0 when FINISHED, 1 when FAILED, 130 when KILLED
 * (invalid input exits 2 before any work starts, from main). Records a
 * remote tracking server has not acknowledged by the flush timeout do not
 * change the exit code: the summary says they wait for `odelab sync`.
 */
import 'reflect-metadata';
import { relative } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { loadExperiment } from '../config/load.ts';
import type { Registry } from '../registry/registry.ts';
import type { ProgressReporter } from '../run/reporter.ts';
import { ExperimentRunner, type RunSummary } from '../run/runner.ts';
import { TOKENS } from '../run/tokens.ts';
import { initBackend, parseBackendName } from '../tensor/backend.ts';
import { DEFAULT_TRACKING_URI, selectTracker, uriScheme } from '../track/select.ts';
import type { Tracker } from '../track/tracker.ts';
import { createReporter } from './progress.ts';

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

/** Ctrl-C / SIGTERM: first one asks the run to stop (KILLED), a second one exits at once. */
function installStopSignals(): { shouldStop: () => string | undefined; dispose: () => void } {
  let received: string | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) process.exit(130);
    received = signal;
    process.stderr.write(`\n${signal}: stopping after this step (again to exit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    shouldStop: () => received,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

export async function runCommand(registry: Registry, args: RunArgs): Promise<number> {
  const backendName = parseBackendName(
    args.backend ?? process.env.ODELAB_BACKEND ?? 'auto',
    args.backend ? '--backend' : 'ODELAB_BACKEND',
  );
  const loaded = await loadExperiment(args.experiment, registry, {
    overrides: args.set,
    pluginPaths: args.plugin,
    seed: args.seed,
  });
  const trackingUri = args.trackingUri ?? process.env.MLFLOW_TRACKING_URI ?? DEFAULT_TRACKING_URI;
  const tracker = selectTracker(registry, trackingUri, args.trackingUri ? '--tracking-uri' : 'MLFLOW_TRACKING_URI');
  const backend = await initBackend(backendName);
  const reporter = createReporter(args.quiet);

  const scope = rootContainer.createChildContainer();
  scope.register<Registry>(TOKENS.Registry, { useValue: registry });
  scope.register<Tracker>(TOKENS.Tracker, { useValue: tracker });
  scope.register<ProgressReporter>(TOKENS.Reporter, { useValue: reporter });
  const runner = scope.resolve(ExperimentRunner);

  if (!args.json) reporter.message(`odelab: ${loaded.resolved.name} on backend ${backend}, tracking ${tracker.uri}`);
  const signals = installStopSignals();
  let summary: RunSummary;
  try {
    summary = await runner.run({ loaded, backend, runName: args.runName, shouldStop: signals.shouldStop });
  } finally {
    signals.dispose();
  }
  if (args.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else process.stdout.write(formatSummary(summary, tracker.uri));
  if (args.json && summary.undelivered) process.stderr.write(formatUndelivered(summary.undelivered).map((l) => `odelab: ${l}\n`).join(''));
  return summary.status === 'FINISHED' ? 0 : summary.status === 'KILLED' ? 130 : 1;
}

function formatSummary(s: RunSummary, trackingUri: string): string {
  const lines = [`run ${s.runId} ${s.status} in ${(s.durationMs / 1000).toFixed(1)}s on backend ${s.backend}`];
  if (s.reason) lines.push(`  reason: ${s.reason}`);
  const keys = Object.keys(s.metrics).sort();
  for (const k of keys) lines.push(`  ${k.padEnd(22)} ${formatNumber(s.metrics[k]!)}`);
  lines.push(`artifacts: ${s.artifactUri}`);
  if (s.undelivered) lines.push(...formatUndelivered(s.undelivered));
  if (uriScheme(trackingUri) === 'file') {
    const root = trackingUri.replace(/^file:\/\//, '');
    const shown = root.startsWith('/') ? relative(process.cwd(), root) || '.' : root;
    lines.push(`results: ${shown}/${s.experimentId}/${s.runId}`);
    lines.push(`view them: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${shown}`);
  }
  return `${lines.join('\n')}\n`;
}

/** What the tracking server does not have yet (the exit code stays the run's own: the run itself did end). */
function formatUndelivered(u: NonNullable<RunSummary['undelivered']>): string[] {
  const lines: string[] = [];
  if (u.pending > 0) {
    lines.push(
      `tracking: ${u.pending} record${u.pending === 1 ? '' : 's'} not yet on the tracking server, kept in ${u.spoolDir}; ` +
        "the run will be complete there after 'odelab sync'",
    );
  }
  if (u.rejected > 0) lines.push(`tracking: ${u.rejected} record${u.rejected === 1 ? '' : 's'} refused by the tracking server, kept in ${u.spoolDir}/rejected.jsonl`);
  return lines;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(5);
}
