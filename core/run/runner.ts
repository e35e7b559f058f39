/**
 * Running one experiment end to end: create the MLflow run, log params and
 * tags, generate data, train, evaluate, log metrics and artifacts, and end
 * the run FINISHED, FAILED (with the reason as a tag) or KILLED.
 *
 * The runner is a plain class: its parts (registry, tracker, reporter, and
 * optionally a backend and a clock) come through the constructor. The run
 * container (run-container.ts) assembles them with tsyringe, so that a test
 * or a user swaps one part by registering another value.
 */
import { basename, dirname } from 'node:path';
import type { LoadedExperiment } from '../config/load.ts';
import { flattenConfig, type ResolvedExperiment } from '../config/resolve.ts';
import { OdelabError } from '../errors.ts';
import { gradientContext } from '../ode/gradient-context.ts';
import { evaluateRun } from '../eval/evaluate-run.ts';
import type { Model } from '../model.ts';
import { logModel } from '../model-io/model-artifact.ts';
import { instantiateSystem } from '../physics/instantiate.ts';
import type { System } from '../system.ts';
import type { Rng } from '../random.ts';
import type { Registry } from '../registry/registry.ts';
import type { ConcreteBackend } from '../tensor/backend.ts';
import { runTags } from '../track/system-tags.ts';
import { RunLogger } from '../track/run-logger.ts';
import type { RunInfo, RunStatus, Tracker } from '../track/tracker.ts';
import { generateDataset, type Dataset } from '../train/data.ts';
import { train, type StepReport } from '../train/trainer.ts';
import { checkModelOutputs } from './check-model.ts';
import type { ProgressReporter } from './reporter.ts';
import { createModel, evaluationIntegrator, runStreams, trainingIntegrator, truthIntegrator } from './run-setup.ts';

export interface RunRequest {
  loaded: LoadedExperiment;
  /** The backend the run reports (params, the model artifact); default: the runner's. */
  backend?: ConcreteBackend;
  runName?: string;
  /** Polled between steps; a returned signal name ends the run KILLED. */
  shouldStop?: () => string | undefined;
  /** The MLflow experiment (default: MLFLOW_EXPERIMENT_NAME, else the experiment's name); a sweep's trials get their parent's. */
  experimentName?: string;
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
  /**
   * A FINISHED run whose evaluation could not finish (a rollout diverged or exhausted
   * eval.maxSteps): what and why, also the tag odelab.eval_failure. Those metrics are absent.
   */
  evalFailure?: string;
  /** What eval_energy_scale is, e.g. 'max|V|' (also the param eval.energy_scale). */
  energyScale?: string;
  /**
   * Records the tracking server does not have (remote trackers only, absent when it has them all):
   * pending ones stay in the spool until `odelab sync` sends them, rejected ones were refused for good.
   */
  undelivered?: { pending: number; rejected: number; spoolDir: string };
}

/** Where the runner takes its times: the run's start time, its name's date, the durations it logs. */
export interface Clock {
  /** Milliseconds since the epoch, as Date.now(). */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface RunnerOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** The backend of runs whose request names none. */
  backend?: ConcreteBackend;
}

/** A run request with its backend settled. */
type Request = RunRequest & { backend: ConcreteBackend };

export class ExperimentRunner {
  private readonly clock: Clock;

  constructor(
    private readonly registry: Registry,
    private readonly tracker: Tracker,
    private readonly reporter: ProgressReporter,
    private readonly options: RunnerOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  async run(request: RunRequest): Promise<RunSummary> {
    const backend = request.backend ?? this.options.backend;
    if (!backend) throw new Error('ExperimentRunner.run: no backend: name one in the request or give the runner one (TOKENS.Backend)');
    const req: Request = { ...request, backend };
    const started = this.clock.now();
    const { resolved, file } = req.loaded;
    this.checkModel(req);
    const experimentName = req.experimentName || process.env.MLFLOW_EXPERIMENT_NAME || resolved.name;
    const experimentId = await this.tracker.getOrCreateExperiment(experimentName);
    const runName = req.runName ?? defaultRunName(resolved.name, new Date(started));
    const tags = runTags({ runName, sourceName: basename(file), sourceDir: dirname(file), backend: req.backend, seed: resolved.seed });
    const logger = await RunLogger.start(
      this.tracker,
      { experimentId, runName, startTime: started, tags: { ...tags, ...req.tags } },
      { onMessage: (text) => this.reporter.message(text) },
    );
    const info = logger.info;
    req.onRunCreated?.(info);
    const params = flattenConfig(resolved);
    await logger.logParams(params);
    await logger.logArtifact('config.json', JSON.stringify({ experiment: req.loaded.spec, params }, null, 2));

    let status: RunStatus = 'FINISHED';
    let reason: string | undefined;
    let evalFailure: string | undefined;
    let energyScale: string | undefined;
    try {
      const { stoppedBy, evalFailure: failure, energyScaleKind } = await this.execute(req, logger);
      evalFailure = failure;
      energyScale = energyScaleKind;
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
    await logger.logMetric('wall_time_s', (this.clock.now() - started) / 1000, 0);
    const left = await logger.end(status);
    return {
      runId: info.runId,
      experimentId,
      status,
      backend: req.backend,
      params,
      metrics: logger.metrics,
      durationMs: this.clock.now() - started,
      artifactUri: info.artifactUri,
      ...(reason ? { reason } : {}),
      ...(evalFailure ? { evalFailure } : {}),
      ...(energyScale ? { energyScale } : {}),
      ...(left.spoolDir ? { undelivered: { pending: left.pending, rejected: left.rejected, spoolDir: left.spoolDir } } : {}),
    };
  }

  /**
   * Data, training, evaluation, the model artifact. Returns the signal that
   * stopped training, if any, and what the evaluation could not finish.
   */
  private async execute(req: Request, logger: RunLogger): Promise<{ stoppedBy?: string; evalFailure?: string; energyScaleKind?: string }> {
    const { shouldStop, onMetrics } = req;
    const r = req.loaded.resolved;
    const { data: dataRng, initSeed, batch: batchRng, eval: evalRng } = runStreams(r.seed);

    const system = instantiateSystem(r.system.plugin, r.system.options as never);
    const dataStart = this.clock.now();
    this.reporter.message(`generating data from '${r.system.name}' (float64)`);
    const dataset = this.makeDataset(r, system, dataRng);
    await logger.logMetric('data_time_s', (this.clock.now() - dataStart) / 1000, 0);

    const model = createModel(r, system, initSeed);
    let trained = 0;
    const saveModel = (status: 'FINISHED' | 'KILLED' | 'FAILED') => this.saveModel(req, logger, model, { status, steps: trained });
    try {
      const integrator = trainingIntegrator(r, system);
      const gradient = r.gradient.plugin.create(
        r.gradient.options as never,
        gradientContext(this.registry.methods(), { name: r.integrator.name, options: r.integrator.options }),
      );
      const trainStart = this.clock.now();
      this.reporter.start(r.train.steps);
      const onStep = async (s: StepReport) => {
        this.reporter.step(s);
        trained = s.step;
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
      const trainSeconds = (this.clock.now() - trainStart) / 1000;
      const timing = { train_time_s: trainSeconds, steps_per_s: result.steps / Math.max(trainSeconds, 1e-9) };
      await logger.logMetrics(timing, result.steps);
      onMetrics?.(result.steps, timing);
      trained = result.steps;
      if (result.stoppedBy) {
        await saveModel('KILLED');
        return { stoppedBy: result.stoppedBy };
      }
      const { metrics, plots, failures, energyScaleKind } = evaluateRun({
        model, system, integrator: evaluationIntegrator(r, system), truth: truthIntegrator(this.registry, r, system), dataset,
        data: r.data, train: r.train, eval: r.eval, rng: evalRng, onPhase: (m) => this.reporter.message(m),
      });
      await logger.logMetrics(metrics, result.steps);
      // What the energy errors are in percent of: a param beside eval_energy_scale's value.
      if (energyScaleKind) await logger.logParams({ 'eval.energy_scale': energyScaleKind });
      for (const [path, svg] of Object.entries(plots)) await logger.logArtifact(path, svg);
      const evalFailure = failures.length ? failures.join('; ') : undefined;
      if (evalFailure) {
        await logger.setTags({ 'odelab.eval_failure': evalFailure.slice(0, 5000) });
        for (const f of failures) this.reporter.message(`warning: ${f}`);
      }
      if (model.diagnostics) await logger.logMetrics(model.diagnostics(), result.steps);
      await saveModel('FINISHED');
      return { ...(evalFailure ? { evalFailure } : {}), ...(energyScaleKind ? { energyScaleKind } : {}) };
    } catch (e) {
      // A failed run keeps the model it reached, if its weights are finite; the original error wins.
      await saveModel('FAILED').catch((saveError: unknown) => this.reporter.message(`warning: could not log the model: ${String(saveError)}`));
      throw e;
    } finally {
      model.dispose();
    }
  }

  /** The model's output shapes on the system's states, before a run is created (a wrong one is a ConfigError). */
  private checkModel(req: RunRequest): void {
    const r = req.loaded.resolved;
    const system = instantiateSystem(r.system.plugin, r.system.options as never);
    const model = createModel(r, system, runStreams(r.seed).initSeed);
    try {
      checkModelOutputs(r, system, model);
    } finally {
      model.dispose();
    }
  }

  /** The model artifact (core/model-io/format.ts); skipped, with a tag saying why, when a weight is not finite. */
  private async saveModel(req: Request, logger: RunLogger, model: Model, training: { status: 'FINISHED' | 'KILLED' | 'FAILED'; steps: number }) {
    const saved = await logModel(logger, { loaded: req.loaded, runId: logger.runId, backend: req.backend, training, weights: model.getWeights(), cwd: process.cwd() });
    if (!saved.logged) this.reporter.message(`warning: model not logged: ${saved.reason}`);
  }

  private makeDataset(r: ResolvedExperiment, system: System, rng: Rng): Dataset {
    return generateDataset(system, truthIntegrator(this.registry, r, system), r.data, rng);
  }
}

/** `<name>-YYYYMMDD-HHMMSS` (local time, of `d`: default now): a run's name unless one is given. */
export function defaultRunName(experiment: string, d = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${experiment}-${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}
