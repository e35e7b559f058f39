/**
 * Running one experiment end to end: create the MLflow run, log params and
 * tags, generate data, train, evaluate, log metrics and artifacts, and end
 * the run FINISHED, FAILED (with the reason as a tag) or KILLED.
 */
import 'reflect-metadata';
import { basename, dirname } from 'node:path';
import { inject, injectable } from 'tsyringe';
import type { LoadedExperiment } from '../config/load.ts';
import { flattenConfig, type ResolvedExperiment } from '../config/resolve.ts';
import { NumericalError, OdelabError } from '../errors.ts';
import { gradientContext } from '../ode/gradient-context.ts';
import { evaluate } from '../eval/evaluate.ts';
import { evaluateMechanics } from '../eval/evaluate-mechanics.ts';
import { instantiateSystem } from '../physics/instantiate.ts';
import type { System } from '../system.ts';
import { Rng } from '../random.ts';
import type { Registry } from '../registry/registry.ts';
import type { ConcreteBackend } from '../tensor/backend.ts';
import { runTags } from '../track/context.ts';
import { RunLogger } from '../track/run-logger.ts';
import type { RunInfo, RunStatus, Tracker } from '../track/tracker.ts';
import { generateDataset, type Dataset } from '../train/data.ts';
import { train, type StepReport } from '../train/trainer.ts';
import type { ProgressReporter } from './reporter.ts';
import { TOKENS } from './tokens.ts';

/** The integrator that generates ground truth in float64. */
const TRUTH_INTEGRATOR = 'dopri8';

export interface RunRequest {
  loaded: LoadedExperiment;
  backend: ConcreteBackend;
  runName?: string;
  /** Polled between steps; a returned signal name ends the run KILLED. */
  shouldStop?: () => string | undefined;
  /** Tags added to the run's standard tags (a sweep's trial: mlflow.parentRunId, odelab.sweep.*). */
  tags?: Record<string, string>;
  /** Called once the run exists in the tracker. */
  onRunCreated?: (info: RunInfo) => void;
  /** Called with the training metrics as they are logged (every train.logEvery steps, and the timings at the end). */
  onMetrics?: (step: number, values: Record<string, number>) => void;
}

export interface RunSummary {
  runId: string;
  experimentId: string;
  status: RunStatus;
  backend: ConcreteBackend;
  params: Record<string, string>;
  metrics: Record<string, number>;
  durationMs: number;
  artifactUri: string;
  /** Why the run failed or was killed. */
  reason?: string;
}

@injectable()
export class ExperimentRunner {
  constructor(
    @inject(TOKENS.Registry) private readonly registry: Registry,
    @inject(TOKENS.Tracker) private readonly tracker: Tracker,
    @inject(TOKENS.Reporter) private readonly reporter: ProgressReporter,
  ) {}

  async run(req: RunRequest): Promise<RunSummary> {
    const started = Date.now();
    const { resolved, file } = req.loaded;
    const experimentName = process.env.MLFLOW_EXPERIMENT_NAME || resolved.name;
    const experimentId = await this.tracker.getOrCreateExperiment(experimentName);
    const runName = req.runName ?? defaultRunName(resolved.name);
    const tags = runTags({ runName, sourceName: basename(file), sourceDir: dirname(file), backend: req.backend, seed: resolved.seed });
    const info = await this.tracker.createRun({ experimentId, runName, startTime: started, tags: { ...tags, ...req.tags } });
    req.onRunCreated?.(info);
    const logger = new RunLogger(this.tracker, info);
    const params = flattenConfig(resolved);
    await logger.logParams(params);
    await logger.logArtifact('config.json', JSON.stringify({ experiment: req.loaded.spec, params }, null, 2));

    let status: RunStatus = 'FINISHED';
    let reason: string | undefined;
    try {
      const stoppedBy = await this.execute(resolved, logger, req.shouldStop, req.onMetrics);
      if (stoppedBy) {
        status = 'KILLED';
        reason = `interrupted by ${stoppedBy}`;
      }
    } catch (e) {
      status = 'FAILED';
      reason = e instanceof Error ? e.message : String(e);
      const code = e instanceof OdelabError ? e.code : 'UNEXPECTED';
      await logger.setTags({ 'odelab.failure_reason': reason.slice(0, 5000), 'odelab.failure_code': code });
      if (!(e instanceof OdelabError)) this.reporter.message(e instanceof Error && e.stack ? e.stack : String(e));
    }
    if (reason && status === 'KILLED') await logger.setTags({ 'odelab.failure_reason': reason });
    await logger.logMetric('wall_time_s', (Date.now() - started) / 1000, 0);
    await logger.end(status);
    return {
      runId: info.runId,
      experimentId,
      status,
      backend: req.backend,
      params,
      metrics: logger.metrics,
      durationMs: Date.now() - started,
      artifactUri: info.artifactUri,
      ...(reason ? { reason } : {}),
    };
  }

  /** Data, training, evaluation. Returns the signal that stopped training, if any. */
  private async execute(
    r: ResolvedExperiment,
    logger: RunLogger,
    shouldStop?: () => string | undefined,
    onMetrics?: RunRequest['onMetrics'],
  ): Promise<string | undefined> {
    const root = new Rng(r.seed);
    const dataRng = root.fork();
    const initSeed = root.uint32();
    const batchRng = root.fork();
    const evalRng = root.fork();

    const system = instantiateSystem(r.system.plugin, r.system.options as never);
    const dataStart = Date.now();
    this.reporter.message(`generating data from '${r.system.name}' (float64)`);
    const dataset = this.makeDataset(r, system, dataRng);
    await logger.logMetric('data_time_s', (Date.now() - dataStart) / 1000, 0);

    const model = r.model.plugin.create(r.model.options as never, {
      stateDim: system.stateDim,
      coordinates: system.mechanical?.coordinates,
      angles: system.mechanical?.angles,
      seed: initSeed,
    });
    try {
      const integrator = r.integrator.plugin.create(r.integrator.options as never);
      const gradient = r.gradient.plugin.create(
        r.gradient.options as never,
        gradientContext(this.registry, { name: r.integrator.name, options: r.integrator.options }),
      );
      const trainStart = Date.now();
      this.reporter.start(r.train.steps);
      const onStep = async (s: StepReport) => {
        this.reporter.step(s);
        if (s.step % r.train.logEvery === 0 || s.step === r.train.steps) {
          const nfe = { train_nfe_forward: s.forward.nfe, ...(s.backward ? { train_nfe_backward: s.backward.nfe } : {}) };
          const values = { train_loss: s.loss, train_lr: s.lr, ...nfe };
          await logger.logMetrics(values, s.step);
          onMetrics?.(s.step, values);
        }
      };
      const result = await train(
        { model, integrator, gradient, dataset, system, data: r.data, train: r.train, rng: batchRng },
        { onStep, shouldStop },
      ).finally(() => this.reporter.end());
      const trainSeconds = (Date.now() - trainStart) / 1000;
      const timing = { train_time_s: trainSeconds, steps_per_s: result.steps / Math.max(trainSeconds, 1e-9) };
      await logger.logMetrics(timing, result.steps);
      onMetrics?.(result.steps, timing);
      if (result.stoppedBy) return result.stoppedBy;
      this.reporter.message('evaluating on held-out trajectories');
      const evalIntegrator = r.integrator.plugin.create(evaluationOptions(r) as never);
      const warnings: string[] = [];
      try {
        await logger.logMetrics({ ...evaluate(model, evalIntegrator, dataset, r.data, r.train) }, result.steps);
      } catch (e) {
        if (!(e instanceof NumericalError)) throw e;
        warnings.push(`held-out rollouts diverged: ${e.message}`);
        await logger.logMetrics({ eval_rollout_mae: Infinity, eval_rollout_rmse: Infinity, eval_final_mae: Infinity }, result.steps);
      }
      if (system.mechanical) {
        this.reporter.message(`evaluating mechanics: accelerations, energy over ${r.eval.energyStarts} rollouts to t = ${r.eval.energyTime}`);
        const mech = evaluateMechanics({ model, system, integrator: evalIntegrator, truth: this.truthIntegrator(r), dataset, eval: r.eval, train: r.train, rng: evalRng });
        await logger.logMetrics(mech.metrics, result.steps);
        for (const [path, png] of Object.entries(mech.plots)) await logger.logArtifact(path, png);
        warnings.push(...mech.warnings);
      }
      if (warnings.length) {
        await logger.setTags({ 'odelab.eval_warning': warnings.join('; ').slice(0, 5000) });
        for (const w of warnings) this.reporter.message(`warning: ${w}`);
      }
      if (model.diagnostics) await logger.logMetrics(model.diagnostics(), result.steps);
      await logger.logArtifact('model/weights.json', JSON.stringify(model.getWeights()));
      return undefined;
    } finally {
      model.dispose();
    }
  }

  private makeDataset(r: ResolvedExperiment, system: System, rng: Rng): Dataset {
    return generateDataset(system, this.truthIntegrator(r), r.data, rng);
  }

  /** The float64 ground-truth integrator at the data section's tolerances. */
  private truthIntegrator(r: ResolvedExperiment) {
    const plugin = this.registry.get('integrator', TRUTH_INTEGRATOR);
    const options = plugin.options.parse({ rtol: r.data.truthRtol, atol: r.data.truthAtol }, 'data');
    return plugin.create(options as never);
  }
}

/** The experiment's integrator options with the evaluation step budget (adaptive methods). */
function evaluationOptions(r: ResolvedExperiment): Record<string, unknown> {
  const o = r.integrator.options;
  return typeof o.maxSteps === 'number' ? { ...o, maxSteps: Math.min(o.maxSteps, r.eval.maxSteps) } : o;
}

function defaultRunName(experiment: string): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${experiment}-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}
