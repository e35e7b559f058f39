/**
 * The plugin registry: a map from (kind, name) to plugin.
 *
 * Registering a name twice is an error unless the newcomer declares
 * `override: true`, which replaces the earlier plugin under that name. Every
 * process or worker thread builds its own registry; only plugin names cross
 * such boundaries.
 *
 * A plain Map, not a tsyringe container: a lookup by kind and name is all
 * it does, and every entry point builds registries (odelab/node's
 * createRegistry, workers, the CLI, tests), so a container here would bring
 * tsyringe and its reflect-metadata polyfill to all of them. The one tsyringe
 * container is a run's (core/run/run-container.ts), which holds a registry
 * as one of its parts.
 */
import { ConfigError, ErrorCodes, UnknownPluginError } from '../errors.ts';
import { Schema } from '../schema.ts';
import { PLUGIN_KINDS, type Plugin, type PluginKind, type PluginOf } from './plugin.ts';
import type { Methods } from '../ode/method.ts';

const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export class Registry {
  private readonly plugins = new Map<PluginKind, Map<string, Plugin>>();

  /** A fresh registry holding `plugins` (typically the built-ins). */
  static with(plugins: readonly Plugin[], source = 'builtin'): Registry {
    const registry = new Registry();
    registry.registerAll(plugins, source);
    return registry;
  }

  /** Register one plugin; throws on an invalid definition or an unannounced duplicate. */
  register(plugin: Plugin, source = 'plugin'): void {
    validateDefinition(plugin, source);
    if (this.has(plugin.kind, plugin.name) && !plugin.override) {
      throw new ConfigError(
        source,
        `${source}: a ${plugin.kind} plugin named '${plugin.name}' is already registered; ` +
          `set override: true on the new one to replace it`,
        ErrorCodes.PLUGIN_DUPLICATE,
      );
    }
    let ofKind = this.plugins.get(plugin.kind);
    if (!ofKind) this.plugins.set(plugin.kind, (ofKind = new Map()));
    ofKind.set(plugin.name, plugin);
  }

  registerAll(plugins: readonly Plugin[], source = 'plugin'): void {
    for (const p of plugins) this.register(p, source);
  }

  has(kind: PluginKind, name: string): boolean {
    return this.plugins.get(kind)?.has(name) ?? false;
  }

  /**
   * The plugin of this kind and name.
   * @param path the config path that named it, for the error message.
   */
  get<K extends PluginKind>(kind: K, name: string, path: string = kind): PluginOf<K> {
    const plugin = this.plugins.get(kind)?.get(name);
    if (!plugin) throw new UnknownPluginError(path, kind, name, this.names(kind));
    return plugin as PluginOf<K>;
  }

  /** Registered plugins of a kind, sorted by name (overridden ones replaced). */
  list<K extends PluginKind>(kind: K): PluginOf<K>[] {
    const all = [...(this.plugins.get(kind)?.values() ?? [])] as PluginOf<K>[];
    return all.sort((a, b) => a.name.localeCompare(b.name));
  }

  names(kind: PluginKind): string[] {
    return this.list(kind).map((p) => p.name);
  }

  /** The integrator plugins as the solver library's methods by name (odeint, a gradient strategy's backward solve). */
  methods(): Methods {
    return { get: (name, path) => this.get('integrator', name, path), list: () => this.list('integrator') };
  }
}

function validateDefinition(p: Plugin, source: string): void {
  const bad = (why: string): never => {
    throw new ConfigError(source, `${source}: invalid plugin definition: ${why}`, ErrorCodes.PLUGIN_LOAD);
  };
  if (typeof p !== 'object' || p === null) bad('expected an object made with definePlugin');
  if (!PLUGIN_KINDS.includes(p.kind)) bad(`kind must be one of ${PLUGIN_KINDS.join(', ')}, got ${String(p.kind)}`);
  if (typeof p.name !== 'string' || !NAME_PATTERN.test(p.name))
    bad(`name must be lower-case words joined by dashes (like 'double-pendulum'), got ${String(p.name)}`);
  if (typeof p.description !== 'string' || !p.description.trim()) bad(`${p.name}: description must be a non-empty string`);
  if (!(p.options instanceof Schema)) bad(`${p.name}: options must be a schema made with s.object({...})`);
  if (typeof p.create !== 'function') bad(`${p.name}: create must be a function`);
  if (p.kind === 'integrator' && (typeof p.order !== 'number' || typeof p.adaptive !== 'boolean'))
    bad(`${p.name}: an integrator must declare order (number) and adaptive (boolean)`);
  if (p.kind === 'tracker' && !Array.isArray(p.schemes)) bad(`${p.name}: a tracker must declare its URI schemes`);
}
