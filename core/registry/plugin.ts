/**
 * Plugin definitions: what a built-in or third-party module exports.
 *
 * A plugin has a kind, a name, a one-line description, a typed options
 * schema (strict: unknown keys are rejected) and a `create` function that
 * receives the validated options. Plugin modules default-export one plugin
 * or an array of them; built-ins and third-party plugins are registered by
 * the same code path.
 */
import type { GradientContext, GradientStrategy } from '../gradient.ts';
import type { Model, ModelContext } from '../model.ts';
import type { Method } from '../ode/method.ts';
import type { LagrangianSpec } from '../physics/lagrangian.ts';
import type { Infer, ObjectSchema, Shape } from '../schema.ts';
import type { System } from '../system.ts';
import type { Tracker } from '../track/tracker.ts';

/** The kinds of plugin, in listing order. */
export const PLUGIN_KINDS = ['system', 'model', 'integrator', 'gradient', 'tracker'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

interface PluginBase<K extends PluginKind, S extends Shape> {
  kind: K;
  /** Registry name: lower-case, digits and dashes (`double-pendulum`). */
  name: string;
  /** One line shown by `odelab plugins`. */
  description: string;
  options: ObjectSchema<S>;
  /** Replace an already registered plugin of the same kind and name. */
  override?: boolean;
}

export interface SystemPlugin<S extends Shape = Shape> extends PluginBase<'system', S> {
  /** A System, or a LagrangianSpec that `instantiateSystem` turns into one (physics from L alone). */
  create(options: Infer<ObjectSchema<S>>): System | LagrangianSpec;
}

export interface ModelPlugin<S extends Shape = Shape> extends PluginBase<'model', S> {
  /** Whether the model needs a mechanical system (generalised coordinates). */
  requiresMechanical?: boolean;
  /**
   * Whether models created with these options implement `acceleration(x)`
   * (needed by train.objective 'acceleration'); checked before work starts.
   */
  providesAcceleration?(options: Infer<ObjectSchema<S>>): boolean;
  /**
   * Checks of options that depend on the system (e.g. one entry per state
   * component), run before work starts; throw a ConfigError naming the path.
   */
  checkOptions?(options: Infer<ObjectSchema<S>>, context: Omit<ModelContext, 'seed'>): void;
  /**
   * The names of the counters its models' `diagnostics()` return (logged as
   * metrics), so that a sweep can check its objective before any work.
   */
  diagnosticMetrics?: readonly string[];
  create(options: Infer<ObjectSchema<S>>, context: ModelContext): Model;
}

/** A solver method (core/ode/method.ts) as a registry entry: its order and adaptivity are the capability flags checked before work starts. */
export interface IntegratorPlugin<S extends Shape = Shape> extends PluginBase<'integrator', S>, Method<S> {}

export interface GradientPlugin<S extends Shape = Shape> extends PluginBase<'gradient', S> {
  create(options: Infer<ObjectSchema<S>>, context: GradientContext): GradientStrategy;
  /** Whether it replays explicit Runge-Kutta steps only: implicit and separable-only integrators are refused at resolution. */
  explicitOnly?: boolean;
  /** Checks across its options, run when the experiment is resolved (before any work); throws a ConfigError. */
  checkOptions?(options: Infer<ObjectSchema<S>>): void;
}

export interface TrackerPlugin<S extends Shape = Shape> extends PluginBase<'tracker', S> {
  /** URI schemes this tracker serves ('file' covers plain paths too). */
  schemes: readonly string[];
  create(options: Infer<ObjectSchema<S>>, uri: string): Tracker;
}

export type Plugin =
  | SystemPlugin
  | ModelPlugin
  | IntegratorPlugin
  | GradientPlugin
  | TrackerPlugin;

/** The plugin type for a kind. */
export type PluginOf<K extends PluginKind> = Extract<Plugin, { kind: K }>;

/**
 * Define a plugin with options typed from its schema. Identity at run time;
 * the registry validates the definition when it is registered.
 */
export function definePlugin<S extends Shape>(p: SystemPlugin<S>): SystemPlugin<S>;
export function definePlugin<S extends Shape>(p: ModelPlugin<S>): ModelPlugin<S>;
export function definePlugin<S extends Shape>(p: IntegratorPlugin<S>): IntegratorPlugin<S>;
export function definePlugin<S extends Shape>(p: GradientPlugin<S>): GradientPlugin<S>;
export function definePlugin<S extends Shape>(p: TrackerPlugin<S>): TrackerPlugin<S>;
export function definePlugin(p: Plugin): Plugin {
  return p;
}

/** The integrator plugin of a method (the built-ins: core/ode/methods/; yours: fixedStepMethod/adaptiveMethod on your tableau). */
export function integratorPlugin<S extends Shape>(method: Method<S>, extra: { override?: boolean } = {}): IntegratorPlugin<S> {
  return { kind: 'integrator', ...method, ...extra };
}
