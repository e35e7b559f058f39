/** Options and helpers shared by the CLI's commands. */
import type { Argv } from 'yargs';
import { ConfigError } from '../errors.ts';
import type { Registry } from '../registry/registry.ts';
import { checkWritableFolder, FolderError } from '../track/local-folder.ts';
import { resolveTrackingUri, selectTracker } from '../track/select.ts';
import type { Tracker } from '../track/tracker.ts';

export function withPluginOption<T>(y: Argv<T>) {
  return y.option('plugin', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'load a plugin module (repeatable)',
    requiresArg: true,
  });
}

/**
 * The tracker of a command's `--tracking-uri` (else MLFLOW_TRACKING_URI, else
 * ./mlruns), checked to be usable before any work: an unusable local store
 * is bad input (exit 2) naming where its location came from.
 */
export async function openTracker(registry: Registry, flag: string | undefined): Promise<Tracker> {
  const { uri, source, given } = resolveTrackingUri(flag);
  const tracker = selectTracker(registry, uri, source);
  await tracker.checkUsable?.().catch((e: unknown) => {
    throw e instanceof ConfigError ? new ConfigError(source, `${given ? source : 'the default tracking URI'}: ${e.message}`) : e;
  });
  return tracker;
}

/**
 * A folder a command will write into, made and probed before any work, so
 * that an unusable one (under /proc, a file, no permission) is bad input
 * (exit 2) and not a failure after the work is done.
 */
export async function checkOutputFolder(folder: string, flag: string): Promise<void> {
  await checkWritableFolder(folder).catch((e: unknown) => {
    throw e instanceof FolderError ? new ConfigError(flag, `${flag}: folder ${e.message}`) : e;
  });
}
