/** Options and helpers shared by the CLI's commands. */
import type { Argv } from 'yargs';

export function withPluginOption<T>(y: Argv<T>) {
  return y.option('plugin', {
    type: 'string',
    array: true,
    default: [] as string[],
    describe: 'load a plugin module (repeatable)',
    requiresArg: true,
  });
}
