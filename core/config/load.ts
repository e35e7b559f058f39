/**
 * Loading an experiment file and its plugin modules.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, ErrorCodes } from '../errors.ts';
import { checkSystemPlugin } from '../physics/check-system.ts';
import { loadPluginModule } from '../registry/loader.ts';
import { importUserModule } from '../registry/module-import.ts';
import type { Registry } from '../registry/registry.ts';
import { isExperiment, type ExperimentSpec } from './experiment.ts';
import { applyOverrides } from './overrides.ts';
import { resolveExperiment, type ResolvedExperiment } from './resolve.ts';

export interface LoadOptions {
  /** `--set path=value` overrides, in order. */
  overrides?: readonly string[];
  /** `--plugin PATH` modules, relative to the working directory. */
  pluginPaths?: readonly string[];
  /** Overrides the file's seed. */
  seed?: number;
}

export interface LoadedExperiment {
  /** Absolute path of the experiment file. */
  file: string;
  /** The spec with overrides applied (plain data). */
  spec: ExperimentSpec;
  resolved: ResolvedExperiment;
}

/** Import an experiment file; its default export must come from defineExperiment. */
export async function importExperiment(path: string): Promise<{ file: string; spec: ExperimentSpec }> {
  const file = resolve(path);
  if (!existsSync(file)) throw new ConfigError('experiment', `experiment file not found: ${file}`);
  const mod = await importUserModule(file, 'experiment', 'experiment file', ErrorCodes.CONFIG_INVALID);
  if (!isExperiment(mod.default)) {
    throw new ConfigError('experiment', `${file} must default-export defineExperiment({...}) (imported from 'odelab')`);
  }
  return { file, spec: mod.default };
}

/**
 * Load, override and resolve an experiment; registers its plugin modules
 * (from the file's `plugins` list, then `--plugin` paths) in `registry`.
 */
export async function loadExperiment(
  path: string,
  registry: Registry,
  options: LoadOptions = {},
): Promise<LoadedExperiment> {
  const { file, spec: original } = await importExperiment(path);
  const overrides = [...(options.overrides ?? [])];
  if (options.seed !== undefined) overrides.push(`seed=${options.seed}`);
  const spec = applyOverrides(original, overrides);
  const listed = spec.plugins;
  if (listed !== undefined && (!Array.isArray(listed) || listed.some((p) => typeof p !== 'string'))) {
    throw new ConfigError('plugins', `plugins must be an array of module paths, got ${JSON.stringify(listed)}`);
  }
  for (const [i, p] of (listed ?? []).entries()) await loadPluginModule(registry, p, dirname(file), `plugins[${i}]`);
  for (const p of options.pluginPaths ?? []) await loadPluginModule(registry, p, process.cwd(), '--plugin');
  const resolved = resolveExperiment(spec, registry);
  // The system plugin's functions, once, before any work: a plugin mistake is bad input.
  checkSystemPlugin(resolved.system.name, () => resolved.system.plugin.create(resolved.system.options as never));
  return { file, spec, resolved };
}
