/**
 * Loading third-party plugin modules from paths.
 *
 * A plugin module default-exports one plugin or an array of plugins (made
 * with `definePlugin`); it is registered exactly as the built-ins are.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, ErrorCodes } from '../errors.ts';
import { importUserModule } from './module-import.ts';
import type { Plugin } from './plugin.ts';
import type { Registry } from './registry.ts';

/**
 * Import the module at `path` (relative to `baseDir`) and register its plugins.
 * @param source the config path or flag that named it, for messages.
 * @returns the registered plugins.
 */
export async function loadPluginModule(
  registry: Registry,
  path: string,
  baseDir: string,
  source: string,
): Promise<Plugin[]> {
  const file = isAbsolute(path) ? path : resolve(baseDir, path);
  if (!existsSync(file)) {
    throw new ConfigError(source, `${source}: plugin module not found: ${file}`, ErrorCodes.PLUGIN_LOAD);
  }
  const mod = await importUserModule(file, source, 'plugin module', ErrorCodes.PLUGIN_LOAD);
  const exported = mod.default;
  if (exported === undefined) {
    throw new ConfigError(
      source,
      `${source}: ${file} has no default export; export default definePlugin({...}) or an array of plugins`,
      ErrorCodes.PLUGIN_LOAD,
    );
  }
  const plugins = (Array.isArray(exported) ? exported : [exported]) as Plugin[];
  registry.registerAll(plugins, `${source} (${path})`);
  return plugins;
}
