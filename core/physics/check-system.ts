/**
 * A system plugin exercised once before any work: its `create`, its sampler,
 * and its derivative (or Lagrangian, with the jets eq. 8 needs) at a sampled
 * state. A plugin mistake then is a ConfigError naming the plugin, the
 * function and what was wrong (exit 2), instead of a FINISHED run with
 * absurd metrics (Math.cos applied to a jet gives NaN, silently) or a
 * TypeError deep inside training (a sampler returning the wrong length).
 * TypeScript would catch some of these, but tsx does not type-check.
 */
import { ConfigError } from '../errors.ts';
import { Rng } from '../random.ts';
import type { JumpEvent } from '../ode/event-chain.ts';
import { EVENT_DIRECTIONS } from '../ode/events.ts';
import type { System } from '../system.ts';
import { Dual } from './dual.ts';
import { isLagrangianSpec, lagrangianSystem, type LagrangianSpec } from './lagrangian.ts';

const JET_HINT = "build L only from its arguments with the jets' own operations (q[0].cos(), qd[1].sq(), a.mul(b)), not Math functions or plain numbers";

class PluginFault extends ConfigError {
  constructor(plugin: string, fn: string, what: string) {
    super('system', `system plugin '${plugin}': ${fn} ${what}`);
  }
}

function show(x: ArrayLike<number>): string {
  return `[${Array.from(x, (v) => (Number.isFinite(v) ? Number(v.toPrecision(4)) : v)).join(', ')}]`;
}

/** Run a user function; what it throws becomes a PluginFault saying where. */
function call<T>(plugin: string, fn: string, at: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new PluginFault(plugin, fn, `threw${at}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function checkVector(plugin: string, fn: string, value: unknown, length: number, at = ''): Float64Array {
  if (!(value instanceof Float64Array) && !Array.isArray(value)) {
    throw new PluginFault(plugin, fn, `must return a Float64Array of ${length} numbers${at}, got ${typeof value}`);
  }
  const v = value as ArrayLike<number>;
  if (v.length !== length) throw new PluginFault(plugin, fn, `returned ${v.length} values${at}, expected ${length}: ${show(v)}`);
  const bad = Array.from(v).findIndex((x) => typeof x !== 'number' || !Number.isFinite(x));
  if (bad >= 0) throw new PluginFault(plugin, fn, `returned a non-finite or non-numeric value at index ${bad}${at}: ${show(v)}`);
  return Float64Array.from(v);
}

function checkSampler(plugin: string, sample: unknown, rng: Rng, length: number): Float64Array {
  if (typeof sample !== 'function') throw new PluginFault(plugin, 'sampleInitialState(rng)', 'is missing: a system must draw its initial states');
  return checkVector(plugin, 'sampleInitialState(rng)', call(plugin, 'sampleInitialState(rng)', '', () => (sample as (r: Rng) => unknown)(rng)), length);
}

function checkLagrangian(plugin: string, spec: LagrangianSpec, rng: Rng): void {
  const n = spec.coordinates;
  if (!Number.isInteger(n) || n < 1) throw new PluginFault(plugin, 'create()', `must give coordinates as a positive integer, got ${String(n)}`);
  if (spec.angles !== undefined && spec.angles.length !== n) throw new PluginFault(plugin, 'create()', `gives ${spec.angles.length} angle flags for ${n} coordinates`);
  const x = checkSampler(plugin, spec.sampleInitialState, rng, 2 * n);
  const at = ` at the sampled state q = ${show(x.subarray(0, n))}, q̇ = ${show(x.subarray(n))}`;
  const vars = Dual.variables(x);
  const L = call(plugin, 'lagrangian(q, q̇)', at, () => spec.lagrangian(vars.slice(0, n), vars.slice(n)));
  if (!(L instanceof Dual)) throw new PluginFault(plugin, 'lagrangian(q, q̇)', `must return a jet (Dual) built from its arguments${at}, got ${typeof L === 'number' ? `the number ${L}` : typeof L}: ${JET_HINT}`);
  const parts = [L.value];
  for (let i = 0; i < 2 * n; i++) {
    parts.push(L.grad(i));
    for (let j = 0; j < 2 * n; j++) parts.push(L.hess(i, j));
  }
  if (!parts.every(Number.isFinite)) {
    throw new PluginFault(plugin, 'lagrangian(q, q̇)', `is not finite with its derivatives${at} (L = ${L.value}): ${JET_HINT}`);
  }
}

function checkSystemValue(plugin: string, system: System, rng: Rng): void {
  const dim = system.stateDim;
  if (!Number.isInteger(dim) || dim < 1) throw new PluginFault(plugin, 'create()', `must give stateDim as a positive integer, got ${String(dim)}`);
  if (!(system.timeSpan > 0)) throw new PluginFault(plugin, 'create()', `must give a positive timeSpan, got ${String(system.timeSpan)}`);
  const x = checkSampler(plugin, system.sampleInitialState, rng, dim);
  const at = ` at the sampled state ${show(x)}`;
  if (typeof system.derivative !== 'function') throw new PluginFault(plugin, 'derivative(t, x)', 'is missing');
  checkVector(plugin, 'derivative(t, x)', call(plugin, 'derivative(t, x)', at, () => system.derivative(0, x)), dim, at);
  if (system.event !== undefined) checkEvent(plugin, system.event, x, dim, at);
  const m = system.mechanical;
  if (!m) return;
  if (2 * m.coordinates !== dim) throw new PluginFault(plugin, 'create()', `has ${m.coordinates} coordinates but stateDim ${dim} (expected ${2 * m.coordinates})`);
  if (m.angles.length !== m.coordinates) throw new PluginFault(plugin, 'create()', `gives ${m.angles.length} angle flags for ${m.coordinates} coordinates`);
  for (const fn of ['kinetic', 'potential'] as const) {
    const v = call(plugin, `mechanical.${fn}(x)`, at, () => m[fn](x));
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new PluginFault(plugin, `mechanical.${fn}(x)`, `must return a finite number${at}, got ${String(v)}`);
  }
}

/** A system's event: its functions present, g a finite number and the jump a state of the right size at x. */
function checkEvent(plugin: string, event: JumpEvent, x: Float64Array, dim: number, at: string): void {
  for (const fn of ['fn', 'jump', 'jumpTensor'] as const) {
    if (typeof event[fn] !== 'function') throw new PluginFault(plugin, `event.${fn}`, 'is missing: an event needs fn(t, x), jump(t, x) and jumpTensor(t, x)');
  }
  if (!EVENT_DIRECTIONS.includes(event.direction)) {
    throw new PluginFault(plugin, 'event.direction', `must be one of ${EVENT_DIRECTIONS.map((d) => `'${d}'`).join(', ')}, got ${String(event.direction)}`);
  }
  if (!Number.isInteger(event.maxEvents) || event.maxEvents < 1) throw new PluginFault(plugin, 'event.maxEvents', `must be a positive integer, got ${String(event.maxEvents)}`);
  const g = call(plugin, 'event.fn(t, x)', at, () => event.fn(0, x));
  if (typeof g !== 'number' || !Number.isFinite(g)) throw new PluginFault(plugin, 'event.fn(t, x)', `must return a finite number${at}, got ${String(g)}`);
  checkVector(plugin, 'event.jump(t, x)', call(plugin, 'event.jump(t, x)', at, () => event.jump(0, x)), dim, at);
}

/**
 * Create the plugin's system and exercise it once at a sampled state.
 * @param create the plugin's `create` bound to its validated options.
 * @throws ConfigError (path 'system') naming the plugin, the function and what was wrong.
 */
export function checkSystemPlugin(plugin: string, create: () => System | LagrangianSpec): void {
  const made = call(plugin, 'create()', '', create);
  if (typeof made !== 'object' || made === null) throw new PluginFault(plugin, 'create()', `must return a System or a LagrangianSpec, got ${String(made)}`);
  const rng = new Rng(0);
  if (isLagrangianSpec(made)) {
    checkLagrangian(plugin, made, rng);
    checkSystemValue(plugin, lagrangianSystem(made), new Rng(0));
  } else {
    checkSystemValue(plugin, made, rng);
  }
}
