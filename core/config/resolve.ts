/**
 * Turning an experiment spec into a validated, fully defaulted configuration.
 *
 * Order: the top-level shape (strict) → each plugin section's name looked up
 * in the registry → its options validated by the plugin's schema → the
 * sweep's paths checked against the resolved config → cross-section checks.
 * Every failure is a ConfigError naming the path; nothing runs before this
 * has passed.
 */
import { instantiateSystem } from '../physics/instantiate.ts';
import { ConfigError } from '../errors.ts';
import type { PluginKind, PluginOf } from '../registry/plugin.ts';
import type { Registry } from '../registry/registry.ts';
import { dataSchema, evalSchema, trainSchema, type DataConfig, type EvalConfig, type TrainConfig } from './experiment.ts';
import { rejectUnknownKeys, s, show, type Infer } from '../schema.ts';
import { checkSpace, sweepSchema } from './space.ts';
import { integratorOptions } from '../ode/odeint.ts';
import { resolveTolerance } from '../ode/method.ts';
import { checkSeparableSystem } from './separable.ts';

const SECTION_KINDS = { system: 'system', model: 'model', integrator: 'integrator', gradient: 'gradient' } as const;
type SectionName = keyof typeof SECTION_KINDS;

const TOP_LEVEL_KEYS = ['name', 'description', 'next', 'seed', 'plugins', ...Object.keys(SECTION_KINDS), 'data', 'train', 'eval', 'sweep'];

const headerSchema = s.object({
  name: s.string(),
  description: s.string().optional(),
  next: s.string().optional(),
  seed: s.integer({ min: 0 }).default(0),
  plugins: s.array(s.string()).default([]),
});

/** A resolved plugin section. */
export interface ResolvedSection<K extends PluginKind> {
  name: string;
  options: Record<string, unknown>;
  plugin: PluginOf<K>;
}

export interface ResolvedExperiment {
  name: string;
  description?: string;
  /** What to run after this experiment, printed at the end of its runs (e.g. the full version of a quick demo). */
  next?: string;
  seed: number;
  plugins: string[];
  system: ResolvedSection<'system'>;
  model: ResolvedSection<'model'>;
  integrator: ResolvedSection<'integrator'>;
  gradient: ResolvedSection<'gradient'>;
  data: DataConfig;
  train: TrainConfig;
  eval: EvalConfig;
  sweep?: Infer<typeof sweepSchema>;
}

function sectionObject(raw: unknown, path: string): { name: string; rest: Record<string, unknown> } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(path, `${path} must be an object with a plugin name, like { name: '...' }, got ${show(raw)}`);
  }
  const { name, ...rest } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !name) {
    throw new ConfigError(`${path}.name`, `${path}.name must be the name of a ${path} plugin, got ${show(name)}`);
  }
  return { name, rest };
}

function resolveSection<K extends PluginKind>(
  registry: Registry,
  kind: K,
  path: string,
  raw: unknown,
): ResolvedSection<K> {
  const { name, rest } = sectionObject(raw, path);
  const plugin = registry.get(kind, name, `${path}.name`);
  const options = plugin.options.parse(rest, path) as Record<string, unknown>;
  return { name, options, plugin };
}

/** The integrator section, with capability-aware messages and the float32 tolerance floor (training runs on tensors). */
function resolveIntegrator(registry: Registry, raw: unknown): ResolvedSection<'integrator'> {
  const { name, rest } = sectionObject(raw, 'integrator');
  const plugin = registry.get('integrator', name, 'integrator.name');
  return { name, options: integratorOptions(registry.methods(), plugin, rest, 'integrator', 'float32'), plugin };
}

/**
 * Validate `raw` (an experiment spec with overrides applied) against the
 * schemas and the registry. Plugin modules must already be loaded.
 */
export function resolveExperiment(raw: unknown, registry: Registry): ResolvedExperiment {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError('', `an experiment must be an object made with defineExperiment({...}), got ${show(raw)}`);
  }
  const spec = raw as Record<string, unknown>;
  rejectUnknownKeys(spec, TOP_LEVEL_KEYS, '');
  const header = headerSchema.parse(
    { name: spec.name, description: spec.description, next: spec.next, seed: spec.seed, plugins: spec.plugins },
    '',
  );
  const resolved: ResolvedExperiment = {
    ...header,
    system: resolveSection(registry, 'system', 'system', spec.system),
    model: resolveSection(registry, 'model', 'model', spec.model),
    integrator: resolveIntegrator(registry, spec.integrator),
    gradient: resolveSection(registry, 'gradient', 'gradient', spec.gradient ?? { name: 'backprop' }),
    data: dataSchema.parse(spec.data ?? {}, 'data'),
    train: trainSchema.parse(spec.train ?? {}, 'train'),
    eval: evalSchema.parse(spec.eval ?? {}, 'eval'),
  };
  if (spec.sweep !== undefined) resolved.sweep = resolveSweep(spec.sweep, resolved);
  checkCrossSection(resolved);
  checkGradientIntegrator(resolved, registry);
  checkSeparableSystem(resolved.integrator.plugin, resolved.system.name, () => instantiateSystem(resolved.system.plugin, resolved.system.options));
  checkEventSystem(resolved);
  checkTruthMethod(resolved, registry);
  if (resolved.integrator.plugin.float64Only) {
    throw new ConfigError(
      'integrator.name',
      `integrator.name: '${resolved.integrator.name}' runs on float64 states only (odeint64, ground truth); training integrates float32 tensors: use implicit-euler or trapezoid for a stiff model`,
    );
  }
  if (resolved.integrator.plugin.requiresSeparable && resolved.train.runningCost) {
    throw new ConfigError('integrator.name', `integrator.name: '${resolved.integrator.name}' integrates separable (q, q̇) states only; train.runningCost is integrated as an extra state: use implicit-midpoint or an explicit method`);
  }
  return resolved;
}

function resolveSweep(raw: unknown, resolved: ResolvedExperiment): Infer<typeof sweepSchema> {
  const sweep = sweepSchema.parse(raw, 'sweep');
  const known = new Set(Object.keys(flattenConfig(resolved)));
  for (const [path, space] of Object.entries(sweep.parameters)) {
    const where = `sweep.parameters.${path}`;
    checkSpace(space, where);
    const isSection = (Object.keys(SECTION_KINDS) as string[]).includes(path.split('.')[0]!);
    // A plugin option that is not set yet is still valid when the plugin declares it.
    if (!known.has(path) && !(isSection && declaresOption(resolved, path))) {
      throw new ConfigError(where, `${where}: '${path}' is not a path of this experiment's config`);
    }
  }
  return sweep;
}

function declaresOption(resolved: ResolvedExperiment, path: string): boolean {
  const [section, option] = path.split('.') as [SectionName, string | undefined];
  if (!option || path.split('.').length !== 2) return false;
  const info = resolved[section].plugin.options.info();
  return info.fields !== undefined && option in info.fields;
}

/** A gradient strategy's backward integrator (`gradient.method`) must exist, and its tolerances fit float32. */
function checkGradientIntegrator(r: ResolvedExperiment, registry: Registry): void {
  r.gradient.plugin.checkOptions?.(r.gradient.options as never);
  const forward = r.integrator.plugin;
  if (r.gradient.plugin.explicitOnly && (forward.implicit || forward.requiresSeparable)) {
    throw new ConfigError(
      'gradient.name',
      `gradient.name: '${r.gradient.name}' replays explicit Runge-Kutta steps; integrator '${forward.name}' is ` +
        `${forward.implicit ? 'implicit' : 'a separable (q, q̇) method'}: use backprop or the adjoint, or an explicit integrator`,
    );
  }
  const { method, rtol, atol } = r.gradient.options as { method?: string; rtol?: number; atol?: number };
  const plugin = registry.get('integrator', method ?? r.integrator.name, 'gradient.method');
  if (plugin.requiresSeparable && 'method' in (r.gradient.plugin.options.info().fields ?? {})) {
    throw new ConfigError('gradient.method', `gradient.method: '${plugin.name}' integrates separable (q, q̇) states only and cannot run the backward solve of '${r.gradient.name}'; set gradient.method (e.g. dopri5 or implicit-midpoint)`);
  }
  if (!plugin.adaptive && (rtol !== undefined || atol !== undefined)) {
    const key = rtol !== undefined ? 'rtol' : 'atol';
    throw new ConfigError(`gradient.${key}`, `gradient.${key}: the backward integrator '${plugin.name}' is fixed-step and has no ${key}`);
  }
  if (plugin.adaptive && rtol !== undefined) resolveTolerance({ rtol }, 'float32', 'gradient');
}

function checkCrossSection(r: ResolvedExperiment): void {
  if (r.data.batchTime > r.data.points) {
    throw new ConfigError(
      'data.batchTime',
      `data.batchTime must be at most data.points (${r.data.points}), got ${r.data.batchTime}`,
    );
  }
  const objective = r.train.objective;
  if (r.model.plugin.checkOptions) {
    const system = instantiateSystem(r.system.plugin, r.system.options);
    const m = system.mechanical;
    r.model.plugin.checkOptions(r.model.options as never, { stateDim: system.stateDim, coordinates: m?.coordinates, angles: m?.angles });
  }
  if (r.model.plugin.requiresMechanical || objective.name === 'acceleration') {
    const system = instantiateSystem(r.system.plugin, r.system.options);
    if (!system.mechanical) {
      const [path, who] = r.model.plugin.requiresMechanical
        ? ['model.name', `model.name: '${r.model.name}'`]
        : ['train.objective.name', "train.objective.name: 'acceleration'"];
      throw new ConfigError(path, `${who} needs a mechanical system with generalised coordinates, but system '${r.system.name}' has none`);
    }
  }
  if (objective.name === 'acceleration') {
    for (const key of ['q', 'qdot'] as const) {
      const [lo, hi] = objective[key] as [number, number];
      if (!(lo < hi)) throw new ConfigError(`train.objective.${key}`, `train.objective.${key} must be [low, high] with low < high, got [${lo}, ${hi}]`);
    }
    if (!r.model.plugin.providesAcceleration?.(r.model.options as never)) {
      throw new ConfigError(
        'train.objective.name',
        `train.objective.name: 'acceleration' needs a model that predicts accelerations; model '${r.model.name}' with these options does not` +
          (r.model.name === 'mlp' ? " (set model.output = 'acceleration')" : ''),
      );
    }
  }
}

/** Flatten a resolved config to MLflow params: dotted paths to strings (arrays and objects as JSON). */
export function flattenConfig(r: ResolvedExperiment): Record<string, string> {
  const out: Record<string, string> = { name: r.name, seed: String(r.seed) };
  const walk = (prefix: string, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v);
    } else if (value !== undefined) {
      out[prefix] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  };
  for (const section of Object.keys(SECTION_KINDS) as SectionName[]) {
    out[`${section}.name`] = r[section].name;
    walk(section, r[section].options);
  }
  walk('data', r.data);
  walk('train', r.train);
  walk('eval', r.eval);
  if (r.plugins.length) out.plugins = JSON.stringify(r.plugins);
  return out;
}

/**
 * A system with events (state jumps) trains by backprop through the chain of solves, without a running
 * cost: the adjoints' backward solves would cross the jumps, and the cost's extra state has no jump rule.
 */
function checkEventSystem(resolved: ResolvedExperiment): void {
  if (resolved.gradient.name === 'backprop' && !resolved.train.runningCost) return;
  if (!instantiateSystem(resolved.system.plugin, resolved.system.options).event) return;
  if (resolved.gradient.name !== 'backprop') {
    throw new ConfigError(
      'gradient.name',
      `gradient.name: system '${resolved.system.name}' has events with state jumps; '${resolved.gradient.name}' cannot follow them ` +
        '(its backward pass would integrate across the jumps): use backprop',
    );
  }
  throw new ConfigError('train.runningCost', `train.runningCost: system '${resolved.system.name}' has events with state jumps; a running cost is not integrated across them`);
}

/** data.truthMethod: 'auto' or an adaptive integrator that runs on any float64 state. */
function checkTruthMethod(resolved: ResolvedExperiment, registry: Registry): void {
  const name = resolved.data.truthMethod;
  if (name === 'auto') return;
  const method = registry.get('integrator', name, 'data.truthMethod');
  if (!method.adaptive || method.requiresSeparable) {
    const fit = registry
      .list('integrator')
      .filter((m) => m.adaptive && !m.requiresSeparable)
      .map((m) => m.name)
      .sort();
    throw new ConfigError(
      'data.truthMethod',
      `data.truthMethod: the ground truth needs an adaptive method for any state (${fit.join(', ')}, or 'auto'), got '${name}'`,
    );
  }
}
