/**
 * The public solver API, shaped like torchdiffeq's:
 * `odeint(func, y0, t, { method, rtol, atol, step, firstStep, minStep, maxSteps })`.
 *
 * Input is normalised and validated once, here, so every integrator sees
 * plain numbers for times and validated options; unknown options are
 * rejected, and options that the chosen method cannot use (rtol on a
 * fixed-step method, step on an adaptive one) are named as such.
 */
import { ConfigError } from '../errors.ts';
import { show } from '../schema.ts';
import { tf } from '../tensor/tf.ts';
import { tensorOps } from './tensor-ops.ts';
import { float64Ops } from './float64-ops.ts';
import { resolveTolerance, type Method, type Methods } from './method.ts';
import { adjointTrajectory } from './adjoint.ts';
import { gradientContext } from './gradient-context.ts';
import { backpropTrajectory } from './backprop.ts';
import type { RunningCost, Trajectory } from '../gradient.ts';
import { untaped } from '../tensor/nested-gradients.ts';
import { checkDirection, solveUntilEvent, type EventDirection } from './events.ts';
import { eventTimeAndState, tensorEventPartials } from './event-gradient.ts';
import { untapedTensorOps } from './tensor-ops.ts';
import { emptyStats, type Integrator, type SolveStats, type StateOps } from './types.ts';

export interface OdeintOptions {
  /** A method: a name looked up in the methods odeint was made with (default 'dopri5'), or a Method value. */
  method?: string | Method;
  /** Tensor path: also integrate ∫ runningCost(t, y) dτ over the span (returned as `cost`). */
  runningCost?: RunningCost;
  rtol?: number | number[];
  atol?: number | number[];
  /** Fixed-step methods: largest step (default: one step per output interval). */
  step?: number;
  firstStep?: number;
  minStep?: number;
  maxSteps?: number;
  safety?: number;
  ifactor?: number;
  dfactor?: number;
  /** Implicit methods on float64 states: ∂f/∂y (default: finite differences; core/ode/jacobian.ts). */
  jacobian?: (t: number, y: Float64Array) => Float64Array | ArrayLike<ArrayLike<number>>;
}

export const DEFAULT_METHOD = 'dopri5';
const ADAPTIVE_ONLY = ['rtol', 'atol', 'firstStep', 'minStep', 'maxSteps', 'safety', 'ifactor', 'dfactor'];
const FIXED_ONLY = ['step'];

/** Output times as numbers, checked to be finite and strictly monotone. */
export function normaliseTimes(t: readonly number[] | Float32Array | Float64Array | tf.Tensor): number[] {
  let times: number[];
  if (t instanceof tf.Tensor) {
    if (t.rank !== 1) throw new ConfigError('t', `t must be a 1-D tensor of times, got rank ${t.rank}`);
    times = Array.from(t.dataSync());
  } else times = Array.from(t);
  if (times.length === 0) throw new ConfigError('t', 't must hold at least one time');
  times.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`t[${i}]`, `t[${i}] must be a finite number, got ${show(v)}`);
  });
  if (times.length > 1) {
    const dir = Math.sign(times[1]! - times[0]!);
    for (let i = 1; i < times.length; i++) {
      if (dir === 0 || Math.sign(times[i]! - times[i - 1]!) !== dir) {
        throw new ConfigError(`t[${i}]`, `t must be strictly increasing or strictly decreasing; t[${i - 1}] = ${times[i - 1]}, t[${i}] = ${times[i]}`);
      }
    }
  }
  return times;
}

/**
 * The configured integrator for these options (validated against the
 * method's schema, with capability-aware messages).
 * @param path prefix for error paths ('options' for odeint, 'integrator' in experiments).
 */
export function integratorFor(
  methods: Methods,
  options: object,
  path: string,
  precision: StateOps<unknown>['precision'],
): Integrator {
  const { method: m = DEFAULT_METHOD, ...rest } = options as Record<string, unknown>;
  const method = methodOf(methods, m, `${path}.method`);
  return method.create(integratorOptions(methods, method, rest, path, precision) as never);
}

/** A method given by name (looked up) or as a value. */
export function methodOf(methods: Methods, m: unknown, path: string): Method {
  if (typeof m === 'string') return methods.get(m, path);
  if (isMethod(m)) return m;
  throw new ConfigError(path, `${path} must be a method name or a Method value, got ${show(m)}`);
}

function isMethod(m: unknown): m is Method {
  const v = m as Partial<Method> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.create === 'function' && typeof v.options?.parse === 'function';
}

/**
 * Validate an integrator's options: capabilities first (with a message naming
 * the methods that take a misplaced option), then the plugin's schema, then
 * the tolerance floor of the precision it will run at.
 */
export function integratorOptions(
  methods: Methods,
  method: Method,
  options: Record<string, unknown>,
  path: string,
  precision: StateOps<unknown>['precision'],
): Record<string, unknown> {
  checkCapabilities(method.name, method.adaptive, options, path, methods);
  const parsed = method.options.parse(options, path) as Record<string, unknown> & { rtol?: number | number[] };
  if (method.adaptive) resolveTolerance(parsed, precision, path);
  return parsed;
}

/** Reject options the method cannot use, saying which methods can. */
export function checkCapabilities(name: string, adaptive: boolean, options: Record<string, unknown>, path: string, methods: Methods): void {
  const misplaced = Object.keys(options).find((k) => (adaptive ? FIXED_ONLY : ADAPTIVE_ONLY).includes(k));
  if (!misplaced) return;
  const others = methods.list().filter((p) => p.adaptive !== adaptive).map((p) => p.name).sort();
  throw new ConfigError(
    `${path}.${misplaced}`,
    `${path}.${misplaced}: '${name}' is ${adaptive ? 'an adaptive' : 'a fixed-step'} method and has no ${misplaced}; ` +
      `${misplaced} applies to ${adaptive ? 'fixed-step' : 'adaptive'} methods (${others.join(', ')})`,
  );
}

/** `methods` plus these values (found by their names first). */
function withMethods(methods: Methods, extra: readonly Method[]): Methods {
  return {
    get: (name, path) => extra.find((m) => m.name === name) ?? methods.get(name, path),
    list: () => [...extra, ...methods.list().filter((m) => !extra.some((e) => e.name === m.name))],
  };
}

function checkToleranceShape(options: OdeintOptions, lastDim: number): void {
  for (const key of ['rtol', 'atol'] as const) {
    const v = options[key];
    if (Array.isArray(v) && v.length !== lastDim) {
      throw new ConfigError(`options.${key}`, `options.${key} must have one entry per state component (${lastDim}), got ${v.length}`);
    }
  }
}

export interface OdeintResult<S> {
  ys: S;
  stats: SolveStats;
  /** ∫ runningCost dτ (tensor path, when `runningCost` is given). */
  cost?: tf.Scalar;
}

/** odeintAdjoint's options: odeint's, plus the parameters and the backward solve's settings (torchdiffeq's adjoint_*). */
export interface OdeintAdjointOptions extends OdeintOptions {
  /** The variables `func` closes over (torchdiffeq's adjoint_params). */
  params: tf.Variable[];
  adjointMethod?: string | Method;
  adjointRtol?: number;
  adjointAtol?: number;
  /** Leave parameter-gradient components out of the backward error norm (default true). */
  adjointSeminorm?: boolean;
}



/** What odeintEvent and odeintEvent64 take besides odeint's options (torchdiffeq's odeint_event). */
interface EventOptionsOf<S> {
  /** g(t, y): the solve ends where it crosses zero in `direction` (a terminal event). */
  eventFn: (t: number, y: S) => S extends tf.Tensor ? tf.Tensor : number;
  /** Which sign changes count (default 'either'). */
  direction?: EventDirection;
  /** The solve ends here when no event came first: every solve is bounded. */
  tMax: number;
  /** Output times between t0 and tMax: ys also holds the solution at those before the event. */
  t?: readonly number[];
}

export interface OdeintEventOptions extends Omit<OdeintOptions, 'runningCost'>, EventOptionsOf<tf.Tensor> {
  /** The variables eventFn closes over: their gradients come through the event time. */
  eventParams?: tf.Variable[];
  /**
   * Gradients by the continuous adjoint instead of backprop (torchdiffeq's odeint_interface=odeint_adjoint):
   * the variables func closes over, and optionally the backward solve's settings.
   */
  adjoint?: { params: tf.Variable[]; method?: string | Method; rtol?: number; atol?: number; seminorm?: boolean };
}
export type OdeintEvent64Options = OdeintOptions & EventOptionsOf<Float64Array>;

export interface OdeintEventResult<S, T> {
  /** The event time (a scalar tensor carrying its gradients on the tensor path), or null when none came before tMax. */
  eventTime: T | null;
  /** The solution at t0, at the output times before the event and, last, at the event (at tMax when there was none). */
  ys: S;
  /** The times of ys's rows. */
  ts: number[];
  stats: SolveStats;
}

/** The event options checked: the times [t0, ...t, tMax] (tMax added when t does not end on it) and the direction. */
function eventSettings(
  t0: unknown,
  options: { tMax?: unknown; t?: readonly number[]; eventFn?: unknown; direction?: unknown },
): { times: number[]; direction: EventDirection } {
  if (typeof options.eventFn !== 'function') throw new ConfigError('options.eventFn', `options.eventFn must be a function g(t, y), got ${show(options.eventFn)}`);
  const direction = checkDirection(options.direction, 'options.direction');
  if (typeof t0 !== 'number' || !Number.isFinite(t0)) throw new ConfigError('t0', `t0 must be a finite number, got ${show(t0)}`);
  const tMax = options.tMax;
  if (typeof tMax !== 'number' || !Number.isFinite(tMax) || tMax === t0) {
    throw new ConfigError('options.tMax', `options.tMax must be a finite number other than t0 = ${t0} (the solve ends there when no event comes first), got ${show(tMax)}`);
  }
  if (options.t !== undefined && !Array.isArray(options.t) && !(options.t instanceof Float64Array)) {
    throw new ConfigError('options.t', `options.t must be an array of output times between t0 and tMax, got ${show(options.t)}`);
  }
  const grid = Array.from(options.t ?? []);
  grid.forEach((v, i) => {
    if (!(typeof v === 'number' && (v - t0) * (tMax - t0) > 0 && Math.abs(v - t0) <= Math.abs(tMax - t0))) {
      throw new ConfigError(`options.t[${i}]`, `options.t[${i}] must be a time after t0 = ${t0} and no further than tMax = ${tMax}, got ${show(v)}`);
    }
  });
  // Every time is now on tMax's side of t0 and no further than tMax; normaliseTimes checks their order.
  return { times: normaliseTimes(grid[grid.length - 1] === tMax ? [t0, ...grid] : [t0, ...grid, tMax]), direction };
}

/**
 * The odeint family resolving method names in `methods` (the `odelab`
 * entry: the built-ins, core/ode/methods/; a registry's integrator plugins:
 * Registry.methods()).
 */
export function createOdeint(methods: () => Methods) {
  /** Solve on tensors; returns the trajectory [t.length, ...y0.shape] and solver statistics. */
  function odeintWithStats(
    func: (t: number, y: tf.Tensor) => tf.Tensor,
    y0: tf.Tensor,
    t: readonly number[] | Float32Array | Float64Array | tf.Tensor,
    options: OdeintOptions = {},
  ): OdeintResult<tf.Tensor> {
    const times = normaliseTimes(t);
    const { runningCost, ...rest } = options;
    checkToleranceShape(rest, y0.shape[y0.rank - 1] ?? 1);
    const integrator = integratorFor(methods(), rest, 'options', tensorOps.precision);
    const traj = backpropTrajectory({ func, y0, t: times, integrator, params: [], runningCost });
    return { ys: traj.ys, stats: traj.forward, ...(traj.cost ? { cost: traj.cost } : {}) };
  }

  /**
   * Solve on tensors with gradients from the continuous adjoint (torchdiffeq's
   * odeint_adjoint): use inside tf.variableGrads / tf.grads as odeint.
   * The returned `backward` statistics are filled in when gradients are computed.
   */
  function odeintAdjointWithStats(
    func: (t: number, y: tf.Tensor) => tf.Tensor,
    y0: tf.Tensor,
    t: readonly number[] | Float32Array | Float64Array | tf.Tensor,
    options: OdeintAdjointOptions,
  ): Trajectory {
    const times = normaliseTimes(t);
    const { params, adjointMethod, adjointRtol, adjointAtol, adjointSeminorm, runningCost, ...rest } = options;
    if (!Array.isArray(params) || params.some((p) => !(p instanceof tf.Variable))) {
      throw new ConfigError('options.params', 'options.params must be the array of tf.Variables that func closes over');
    }
    checkToleranceShape(rest, y0.shape[y0.rank - 1] ?? 1);
    const table = methods();
    const { method: m = DEFAULT_METHOD, ...forwardOptions } = rest;
    const method = methodOf(table, m, 'options.method');
    const parsed = integratorOptions(table, method, forwardOptions, 'options', tensorOps.precision);
    const forward = method.create(parsed as never);
    // Method values given here are found by name in the backward solve too.
    const given = [method, ...(adjointMethod !== undefined && typeof adjointMethod !== 'string' ? [methodOf(table, adjointMethod, 'options.adjointMethod')] : [])];
    const known = withMethods(table, given);
    const context = gradientContext(known, { name: method.name, options: parsed });
    const backwardPlugin = methodOf(known, adjointMethod ?? method.name, 'options.adjointMethod');
    for (const [key, v] of [['adjointRtol', adjointRtol], ['adjointAtol', adjointAtol]] as const) {
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
        throw new ConfigError(`options.${key}`, `options.${key} must be a non-negative number, got ${show(v)}`);
      }
      if (v !== undefined && !backwardPlugin.adaptive) {
        throw new ConfigError(`options.${key}`, `options.${key}: the backward method '${backwardPlugin.name}' is fixed-step`);
      }
    }
    if (adjointRtol !== undefined) resolveTolerance({ rtol: adjointRtol }, 'float32', 'options.adjoint');
    return adjointTrajectory({
      func,
      y0,
      t: times,
      params,
      forward,
      context,
      runningCost,
      settings: { method: adjointMethod === undefined ? undefined : backwardPlugin.name, rtol: adjointRtol, atol: adjointAtol, seminorm: adjointSeminorm ?? true },
    });
  }

  /** odeintAdjointWithStats's trajectory alone. */
  function odeintAdjoint(
    func: (t: number, y: tf.Tensor) => tf.Tensor,
    y0: tf.Tensor,
    t: readonly number[] | Float32Array | Float64Array | tf.Tensor,
    options: OdeintAdjointOptions,
  ): tf.Tensor {
    return odeintAdjointWithStats(func, y0, t, options).ys;
  }

  /** Solve on tensors; returns the trajectory [t.length, ...y0.shape] (torchdiffeq's odeint). */
  function odeint(
    func: (t: number, y: tf.Tensor) => tf.Tensor,
    y0: tf.Tensor,
    t: readonly number[] | Float32Array | Float64Array | tf.Tensor,
    options: OdeintOptions = {},
  ): tf.Tensor {
    return odeintWithStats(func, y0, t, options).ys;
  }

  /** Solve in float64 on plain arrays (ground truth); returns the state at each time and statistics. */
  function odeint64(
    func: (t: number, y: Float64Array) => Float64Array,
    y0: Float64Array | readonly number[],
    t: readonly number[] | Float64Array,
    options: OdeintOptions = {},
  ): OdeintResult<Float64Array[]> {
    const times = normaliseTimes(t);
    const start = Float64Array.from(y0);
    checkToleranceShape(options, start.length);
    const sol = integratorFor(methods(), options, 'options', float64Ops.precision).solve(func, start, times, float64Ops);
    return { ys: sol.ys, stats: sol.stats };
  }

  /**
   * Solve on tensors until eventFn(t, y) crosses zero (torchdiffeq's odeint_event): the event time and the
   * solution up to it, both differentiable (through the event time by the implicit function theorem;
   * core/ode/event-gradient.ts), by backprop or, with `adjoint`, the continuous adjoint.
   */
  function odeintEvent(
    func: (t: number, y: tf.Tensor) => tf.Tensor,
    y0: tf.Tensor,
    t0: number,
    options: OdeintEventOptions,
  ): OdeintEventResult<tf.Tensor, tf.Scalar> {
    const { times, direction: dir } = eventSettings(t0, options);
    const { eventFn, direction: _direction, tMax: _tMax, t: _t, eventParams = [], adjoint, ...rest } = options;
    if ((rest as OdeintOptions).runningCost !== undefined) throw new ConfigError('options.runningCost', 'options.runningCost is not supported with events');
    checkToleranceShape(rest, y0.shape[y0.rank - 1] ?? 1);
    const integrator = integratorFor(methods(), rest, 'options', tensorOps.precision);
    const g = (tt: number, y: tf.Tensor) => untaped(() => tf.tidy(() => tf.sum(eventFn(tt, y)).dataSync()[0]!));
    const partials = tensorEventPartials(eventFn, eventParams);
    if (!adjoint) {
      // The located step's states are on the tape: the solution at the event is differentiable as it is.
      const sol = solveUntilEvent(integrator, func, y0, times, tensorOps, g, dir);
      if (!sol.event) return { eventTime: null, ys: tf.stack(sol.ys), ts: sol.ts, stats: sol.stats };
      const at = eventTimeAndState(func, partials, sol.event.t, sol.event.y, eventParams);
      return { eventTime: at.eventTime, ys: tf.stack([...sol.ys, at.y]), ts: [...sol.ts, sol.event.t], stats: sol.stats };
    }
    // Adjoint: locate the event off the tape, then solve to it with the adjoint's gradients.
    let located: { tEvent?: number; stats: SolveStats } = { stats: emptyStats() };
    untaped(() =>
      tf.tidy(() => {
        const sol = solveUntilEvent(integrator, func, y0, times, untapedTensorOps, g, dir);
        located = { tEvent: sol.event?.t, stats: sol.stats };
      }),
    );
    const upTo = located.tEvent === undefined ? times : [...times.filter((tt) => Math.sign(located.tEvent! - tt) === Math.sign(times[1]! - times[0]!)), located.tEvent];
    const traj = odeintAdjointWithStats(func, y0, upTo, {
      ...(rest as OdeintOptions),
      params: adjoint.params,
      ...(adjoint.method !== undefined ? { adjointMethod: adjoint.method } : {}),
      ...(adjoint.rtol !== undefined ? { adjointRtol: adjoint.rtol } : {}),
      ...(adjoint.atol !== undefined ? { adjointAtol: adjoint.atol } : {}),
      ...(adjoint.seminorm !== undefined ? { adjointSeminorm: adjoint.seminorm } : {}),
    });
    if (located.tEvent === undefined) return { eventTime: null, ys: traj.ys, ts: upTo, stats: located.stats };
    const rows = tf.unstack(traj.ys);
    const at = eventTimeAndState(func, partials, located.tEvent, rows[rows.length - 1]!, eventParams);
    return { eventTime: at.eventTime, ys: tf.stack([...rows.slice(0, -1), at.y]), ts: upTo, stats: located.stats };
  }

  /** odeintEvent in float64 on plain arrays (ground truth): the event time as a number. */
  function odeintEvent64(
    func: (t: number, y: Float64Array) => Float64Array,
    y0: Float64Array | readonly number[],
    t0: number,
    options: OdeintEvent64Options,
  ): OdeintEventResult<Float64Array[], number> {
    const { times, direction: dir } = eventSettings(t0, options);
    const { eventFn, direction: _direction, tMax: _tMax, t: _t, ...rest } = options;
    const start = Float64Array.from(y0);
    checkToleranceShape(rest, start.length);
    const integrator = integratorFor(methods(), rest, 'options', float64Ops.precision);
    const sol = solveUntilEvent(integrator, func, start, times, float64Ops, eventFn, dir);
    if (!sol.event) return { eventTime: null, ys: sol.ys, ts: sol.ts, stats: sol.stats };
    return { eventTime: sol.event.t, ys: [...sol.ys, sol.event.y], ts: [...sol.ts, sol.event.t], stats: sol.stats };
  }

  return { odeint, odeintWithStats, odeint64, odeintAdjoint, odeintAdjointWithStats, odeintEvent, odeintEvent64 };
}
