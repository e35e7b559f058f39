/**
 * Choosing the tracker plugin for a tracking URI, as MLflow does: an
 * `http(s)://` URI means a tracking server, a path or `file:` URI the file
 * store. Default: `./mlruns`.
 */
import { ConfigError } from '../errors.ts';
import type { Registry } from '../registry/registry.ts';
import type { Tracker } from './tracker.ts';

export const DEFAULT_TRACKING_URI = './mlruns';

/**
 * The tracking URI of a command: `--tracking-uri`, else MLFLOW_TRACKING_URI,
 * else ./mlruns. An empty variable counts as unset, as in MLflow's client
 * (an empty URI would otherwise make the working directory the store).
 * @returns the URI and where it came from, for messages.
 */
export function resolveTrackingUri(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { uri: string; source: string; given: boolean } {
  if (flag) return { uri: flag, source: '--tracking-uri', given: true };
  if (env.MLFLOW_TRACKING_URI) return { uri: env.MLFLOW_TRACKING_URI, source: 'MLFLOW_TRACKING_URI', given: true };
  return { uri: DEFAULT_TRACKING_URI, source: 'MLFLOW_TRACKING_URI', given: false };
}

/** The URI's scheme ('file' for plain paths). */
export function uriScheme(uri: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(uri);
  return m ? m[1]!.toLowerCase() : 'file';
}

/** Create the tracker serving `uri`; a ConfigError if no registered tracker serves its scheme. */
export function selectTracker(registry: Registry, uri: string, source = '--tracking-uri'): Tracker {
  const scheme = uriScheme(uri);
  const plugins = registry.list('tracker');
  const plugin = plugins.find((p) => p.schemes.includes(scheme));
  if (!plugin) {
    const served = plugins.flatMap((p) => p.schemes.map((sc) => `${sc} (${p.name})`));
    throw new ConfigError(
      source,
      `${source}: no tracker plugin serves '${scheme}' URIs; registered: ${served.join(', ') || 'none'}`,
    );
  }
  return plugin.create(plugin.options.parse({}, 'tracker') as never, uri);
}
