/**
 * Rebuilding a stored model's experiment: re-load the plugin modules the
 * experiment loaded (by the paths config.json recorded) and any `--plugin`
 * modules, resolve the stored experiment through the registry as a run
 * does, and load the weights into a model built from it, after checking
 * that they are exactly the model's variables. Every mismatch is a
 * ConfigError naming the file and the entry.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { flattenConfig, resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import { ConfigError, UnknownPluginError } from '../errors.ts';
import type { Model } from '../model.ts';
import { instantiateSystem } from '../physics/instantiate.ts';
import { loadPluginModule } from '../registry/loader.ts';
import type { Registry } from '../registry/registry.ts';
import type { System } from '../system.ts';
import type { StoredModel } from './read-model.ts';
import { checkWeightsFit, decodeWeights } from './weights-codec.ts';

export interface RebuildOptions {
  /** `--plugin` modules, relative to `cwd`. */
  pluginPaths: readonly string[];
  cwd: string;
  /** Told about differences that do not stop the evaluation. */
  warn: (message: string) => void;
}

/** Load the experiment's plugin modules (where the run found them, else relative to `cwd`), then the `--plugin` ones. */
async function loadPlugins(registry: Registry, stored: StoredModel, o: RebuildOptions): Promise<void> {
  const loaded = new Set<string>();
  const load = async (file: string, source: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    await loadPluginModule(registry, file, o.cwd, source);
  };
  const { file: experimentFile, plugins } = stored.config.source;
  for (const [i, p] of plugins.entries()) {
    const candidates = [p.absolute, isAbsolute(p.path) ? p.path : resolve(o.cwd, p.path)];
    const found = candidates.find((c) => existsSync(c));
    const at = `${stored.where}/${stored.flavor.config}: source.plugins[${i}]`;
    if (found) {
      await load(found, at);
      continue;
    }
    const why = `plugin module '${p.declared}' of experiment ${experimentFile} not found at ${[...new Set(candidates)].join(' or ')}`;
    if (!o.pluginPaths.length) throw new ConfigError(at, `${at}: ${why}; run from the run's working directory or pass the module with --plugin`);
    o.warn(`${why}; relying on --plugin`);
  }
  for (const p of o.pluginPaths) await load(resolve(o.cwd, p), '--plugin');
}

/**
 * Resolve the stored experiment and create its system.
 * @returns the resolved experiment (as `odelab run` resolved it) and the system.
 */
export async function rebuildExperiment(registry: Registry, stored: StoredModel, o: RebuildOptions): Promise<{ resolved: ResolvedExperiment; system: System }> {
  await loadPlugins(registry, stored, o);
  const at = `${stored.where}/${stored.flavor.config}`;
  let resolved: ResolvedExperiment;
  try {
    resolved = resolveExperiment(stored.config.experiment, registry);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const hint = e instanceof UnknownPluginError ? ' (if the run loaded it with --plugin, pass that module with --plugin)' : '';
    throw new ConfigError(`${at}: experiment.${e.path}`, `${at}: the stored experiment no longer resolves: ${e.message}${hint}`, e.code);
  }
  for (const [what, name] of [['model', stored.flavor.model], ['system', stored.flavor.system]] as const) {
    if (resolved[what].name !== name) {
      throw new ConfigError(at, `${at}: experiment.${what}.name is '${resolved[what].name}' but MLmodel's flavor names ${what} '${name}'`);
    }
  }
  const params = flattenConfig(resolved);
  const stale = Object.keys({ ...params, ...stored.config.params }).filter((k) => params[k] !== stored.config.params[k]);
  if (stale.length) {
    const shown = stale.slice(0, 5).map((k) => `${k}: ${stored.config.params[k] ?? '(none)'} → ${params[k] ?? '(none)'}`);
    o.warn(`the experiment resolves differently now than in the run (plugin defaults changed?): ${shown.join('; ')}${stale.length > 5 ? '; ...' : ''}`);
  }
  return { resolved, system: instantiateSystem(resolved.system.plugin, resolved.system.options as never) };
}

/** Check the stored weights against `model`'s variables (names and shapes) and set them. */
export function loadWeights(model: Model, stored: StoredModel): void {
  const at = `${stored.where}/${stored.flavor.weights.manifest}`;
  checkWeightsFit(model.getWeights(), stored.manifest, at, stored.flavor.model);
  model.setWeights(decodeWeights(stored.manifest, stored.data));
}
