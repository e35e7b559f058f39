/**
 * Runs one trial of a sweep inside a worker: the default export is the
 * piscina task function; `runTrial` is shared with the process worker
 * (trial-process.ts). Everything is rebuilt here from names and paths: the
 * registry (built-ins + the experiment's plugin paths), the tensor backend,
 * the tracker for the tracking URI. The scheduler talks to the trial through
 * a MessagePort-like channel: it receives 'started' and 'metrics' events and
 * may send 'stop' (ASHA, Ctrl-C), which ends the run KILLED with the reason.
 */
import type { MessagePort } from 'node:worker_threads';
import { loadExperiment } from '../config/load.ts';
import type { Plugin } from '../registry/plugin.ts';
import { Registry } from '../registry/registry.ts';
import { resolveRunner, runContainer } from '../run/run-container.ts';
import { initBackend, parseBackendName } from '../tensor/backend.ts';
import { selectTracker } from '../track/select.ts';
import type { TrialControl, TrialEvent, TrialOutcome, TrialTask } from './types.ts';

/** The two ends a trial needs: send events, receive control messages. */
export interface TrialChannel {
  send(event: TrialEvent): void;
  onControl(handler: (msg: TrialControl) => void): void;
}


export async function runTrial(task: TrialTask, channel: TrialChannel): Promise<TrialOutcome> {
  const started = Date.now();
  let stopReason: string | undefined;
  channel.onControl((msg) => {
    if (msg.type === 'stop') stopReason ??= msg.reason;
  });
  const { builtinPlugins } = (await import(task.builtinsModule)) as { builtinPlugins: readonly Plugin[] };
  const registry = Registry.with(builtinPlugins);
  const loaded = await loadExperiment(task.experiment, registry, { overrides: task.overrides, pluginPaths: task.pluginPaths });
  const backend = await initBackend(parseBackendName(task.backend, '--backend'));
  const tracker = selectTracker(registry, task.trackingUri);

  const runner = resolveRunner(runContainer({ registry, tracker, backend }));

  let trainMs = 0;
  const watch = new Set(task.watch);
  const summary = await runner.run({
    loaded,
    runName: task.runName,
    experimentName: task.experimentName,
    tags: task.tags,
    shouldStop: () => stopReason,
    onRunCreated: (info) => channel.send({ type: 'started', runId: info.runId, experimentId: info.experimentId }),
    onMetrics: (step, values) => {
      if (values.train_time_s !== undefined) trainMs = values.train_time_s * 1000;
      const wanted = Object.fromEntries(Object.entries(values).filter(([k]) => watch.has(k)));
      if (Object.keys(wanted).length) channel.send({ type: 'metrics', step, values: wanted });
    },
  });
  return {
    runId: summary.runId,
    status: summary.status,
    metrics: summary.metrics,
    ...(summary.reason ? { reason: summary.reason } : summary.evalFailure ? { reason: `evaluation: ${summary.evalFailure}` } : {}),
    durationMs: Date.now() - started,
    trainMs,
  };
}

/** The piscina task: `port` carries events out and control in. */
export default async function trialTask({ task, port }: { task: TrialTask; port: MessagePort }): Promise<TrialOutcome> {
  try {
    return await runTrial(task, {
      send: (e) => port.postMessage(e),
      onControl: (h) => port.on('message', h),
    });
  } finally {
    port.close();
  }
}
