/**
 * `odelab eval <model>`: load a model a run logged (`runs:/<run_id>/model`,
 * or just the run id, through the tracker) or a model folder, rebuild its system and model from
 * config.json through the registry, set the weights, then either repeat the
 * run's evaluation (same seed: same data, same random states, so the same
 * metrics on the same backend) or roll the model out next to the truth
 * (--rollout, JSON). Every input problem is a ConfigError (exit 2) raised
 * before any computation.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ResolvedExperiment } from '../config/resolve.ts';
import { ConfigError } from '../errors.ts';
import { evaluateRun } from '../eval/evaluate-run.ts';
import { compareRollout } from '../eval/rollout-compare.ts';
import type { Model } from '../model.ts';
import { folderSource, parseModelRef, runSource, type ModelSource } from '../model-io/model-source.ts';
import { readModel, type StoredModel } from '../model-io/read-model.ts';
import { loadWeights, rebuildExperiment } from '../model-io/rebuild.ts';
import { Rng } from '../random.ts';
import type { Registry } from '../registry/registry.ts';
import { createModel, evaluationIntegrator, runStreams, truthIntegrator } from '../run/run-setup.ts';
import type { System } from '../system.ts';
import { initBackend, parseBackendName } from '../tensor/backend.ts';
import { resolveTrackingUri, selectTracker } from '../track/select.ts';
import { generateDataset, timeGrid } from '../train/data.ts';
import { checkOutputFolder } from './command-options.ts';
import { parseEvalArgs, type EvalArgs, type EvaluationOptions, type RolloutOptions } from './eval-options.ts';

export type { EvalArgs } from './eval-options.ts';

interface Loaded {
  stored: StoredModel;
  resolved: ResolvedExperiment;
  system: System;
  model: Model;
}

/** MLflow's run ids: 32 hex digits. */
const RUN_ID = /^[0-9a-f]{32}$/i;

/**
 * The model reference of the <model> argument: a bare run id that is not a
 * local path means that run's model, `runs:/<id>/model` (what `odelab run`
 * prints is the run id, and the model is always logged under `model`).
 */
export function modelReference(arg: string, exists: (path: string) => boolean = existsSync): string {
  return RUN_ID.test(arg) && !exists(arg) ? `runs:/${arg}/model` : arg;
}

/** The model folder named by `ref`: a local folder, or a run's artifacts through the tracker. */
async function openSource(registry: Registry, args: EvalArgs): Promise<ModelSource> {
  const ref = parseModelRef(modelReference(args.model));
  if (ref.kind === 'folder') {
    if (args.trackingUri !== undefined) throw new ConfigError('--tracking-uri', '--tracking-uri applies to runs:/ model URIs, not to a local folder');
    return folderSource(ref.dir);
  }
  const { uri, source } = resolveTrackingUri(args.trackingUri);
  const tracker = selectTracker(registry, uri, source);
  return runSource(tracker, ref.runId, ref.path);
}

/** Initial states of a rollout: the given ones (length checked) or drawn from the system's sampler. */
function rolloutStarts(o: RolloutOptions, resolved: ResolvedExperiment, system: System): Float64Array[] {
  if (o.x0) {
    const bad = o.x0.find((x) => x.length !== system.stateDim);
    if (bad) throw new ConfigError('--x0', `--x0 must have ${system.stateDim} numbers (the state of '${resolved.system.name}'), got ${bad.length}: ${bad.join(',')}`);
    return o.x0.map((x) => Float64Array.from(x));
  }
  const rng = new Rng(o.seed ?? resolved.seed);
  return Array.from({ length: o.starts }, () => system.sampleInitialState(rng));
}

function rollout(registry: Registry, l: Loaded, o: RolloutOptions, starts: Float64Array[]): number {
  const t = timeGrid(o.tEnd ?? l.resolved.data.timeSpan ?? l.system.timeSpan, o.points ?? l.resolved.data.points);
  const comparison = compareRollout(l.model, l.system, evaluationIntegrator(l.resolved, l.system), truthIntegrator(registry, l.resolved, l.system), starts, t);
  const text = `${JSON.stringify({ model: l.stored.where, system: l.resolved.system.name, stateDim: l.system.stateDim, ...comparison })}\n`;
  if (o.out) writeFileSync(o.out, text);
  else process.stdout.write(text);
  return 0;
}

function evaluateModel(registry: Registry, l: Loaded, o: EvaluationOptions, say: (m: string) => void, backend: string): number {
  const r = l.resolved;
  const streams = runStreams(r.seed);
  say(`generating data from '${r.system.name}' (float64)`);
  const dataset = generateDataset(l.system, truthIntegrator(registry, r, l.system), r.data, streams.data);
  const result = evaluateRun({
    model: l.model, system: l.system, integrator: evaluationIntegrator(r, l.system), truth: truthIntegrator(registry, r, l.system), dataset,
    data: r.data, train: r.train, eval: { ...r.eval, ...o.eval, plots: o.plots !== undefined }, rng: streams.eval, onPhase: say,
  });
  for (const f of result.failures) process.stderr.write(`warning: ${f}\n`);
  if (o.plots !== undefined) {
    for (const [path, svg] of Object.entries(result.plots)) writeFileSync(join(o.plots, basename(path)), svg);
  }
  const { run } = l.stored.config;
  if (o.json) {
    const out = { model: l.stored.where, runId: run.run_id, backend, metrics: result.metrics, failures: result.failures };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    const lines = [`model ${l.stored.where}: ${r.model.name} on ${r.system.name}, run ${run.run_id} (${run.status} after ${run.steps} steps), backend ${backend}`];
    for (const k of Object.keys(result.metrics).sort()) lines.push(`  ${k.padEnd(30)} ${formatNumber(result.metrics[k]!)}`);
    if (o.plots !== undefined) lines.push(`plots: ${o.plots}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return 0;
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(8);
}

/** Run `odelab eval`; resolves to the exit code (input errors throw ConfigError: exit 2 in main). */
export async function evalCommand(registry: Registry, args: EvalArgs): Promise<number> {
  const mode = parseEvalArgs(args);
  if (mode.kind === 'evaluate' && mode.evaluate.plots !== undefined) await checkOutputFolder(mode.evaluate.plots, '--plots');
  if (mode.kind === 'rollout' && mode.rollout.out !== undefined) await checkOutputFolder(dirname(resolve(mode.rollout.out)), '--out');
  const backendName = parseBackendName(args.backend ?? process.env.ODELAB_BACKEND ?? 'auto', args.backend ? '--backend' : 'ODELAB_BACKEND');
  const say = (m: string) => {
    if (!args.quiet) process.stderr.write(`${m}\n`);
  };
  const stored = await readModel(await openSource(registry, args));
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const { resolved, system } = await rebuildExperiment(registry, stored, { pluginPaths: args.plugin, cwd: process.cwd(), warn });
  const starts = mode.kind === 'rollout' ? rolloutStarts(mode.rollout, resolved, system) : [];
  const backend = await initBackend(backendName);
  if (backend !== stored.config.run.backend) warn(`the run used backend ${stored.config.run.backend}, this is ${backend}: results may differ in the last digits`);
  const model = createModel(resolved, system, runStreams(resolved.seed).initSeed);
  try {
    loadWeights(model, stored);
    const loaded: Loaded = { stored, resolved, system, model };
    say(`odelab: ${stored.where}: ${resolved.model.name} on ${resolved.system.name}, backend ${backend}`);
    return mode.kind === 'rollout' ? rollout(registry, loaded, mode.rollout, starts) : evaluateModel(registry, loaded, mode.evaluate, say, backend);
  } finally {
    model.dispose();
  }
}
