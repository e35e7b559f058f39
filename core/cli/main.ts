/**
 * The `odelab` command line. Exit codes: 0 success, 1 a failed run, 2 invalid
 * input (caught before any work starts), 130 interrupted.
 */
import yargs from 'yargs';
import { isConfigError, OdelabError } from '../errors.ts';
import type { Plugin } from '../registry/plugin.ts';
import { BACKENDS } from '../tensor/backend.ts';
import { Registry } from '../registry/registry.ts';
import { withPluginOption } from './common.ts';
import { pluginsCommand } from './plugins-command.ts';
import { runCommand } from './run-command.ts';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, INTERRUPTED: 130 } as const;

class UsageError extends Error {}

/** Run the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], builtins: readonly Plugin[]): Promise<number> {
  let code: number = EXIT.OK;
  const parser = yargs([...argv])
    .scriptName('odelab')
    .usage('$0 <command> [options]\n\nNeural-ODE experiments in physics.')
    .command(
      'run <experiment>',
      'train and evaluate one experiment, logging to MLflow (file store ./mlruns by default)',
      (y) =>
        withPluginOption(y)
          .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file (.ts)' })
          .option('set', {
            type: 'string',
            array: true,
            default: [] as string[],
            requiresArg: true,
            describe: 'override a config value, e.g. --set train.lr=0.01 (repeatable)',
          })
          .option('backend', {
            type: 'string',
            choices: BACKENDS,
            describe: 'tensor backend [env ODELAB_BACKEND; default auto]',
          })
          .option('seed', { type: 'number', describe: "random seed (default: the experiment's, else 0)" })
          .option('tracking-uri', { type: 'string', describe: 'MLflow tracking URI [env MLFLOW_TRACKING_URI; default ./mlruns]' })
          .option('run-name', { type: 'string', describe: 'MLflow run name' })
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON summary on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }),
      async (a) => {
        if (a.seed !== undefined && !(Number.isInteger(a.seed) && a.seed >= 0)) {
          throw new UsageError(`--seed must be a non-negative integer, got ${a.seed}`);
        }
        code = await runCommand(Registry.with(builtins), {
          experiment: a.experiment,
          set: a.set,
          plugin: a.plugin,
          backend: a.backend,
          seed: a.seed,
          trackingUri: a.trackingUri,
          runName: a.runName,
          json: a.json,
          quiet: a.quiet,
        });
      },
    )
    .command(
      'plugins',
      'list every registered plugin by kind, with description and options',
      (y) => withPluginOption(y).option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      async (a) => {
        code = await pluginsCommand(Registry.with(builtins), a.plugin, a.json);
      },
    )
    .demandCommand(1, 'name a command: run or plugins')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  try {
    await parser.parseAsync();
    return code;
  } catch (e) {
    return report(e);
  }
}

function report(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`odelab: ${e.message}\nRun 'odelab --help' for usage.\n`);
    return EXIT.USAGE;
  }
  if (isConfigError(e)) {
    process.stderr.write(`odelab: invalid input: ${e.message}\n`);
    return EXIT.USAGE;
  }
  if (e instanceof OdelabError) {
    process.stderr.write(`odelab: ${e.code}: ${e.message}\n`);
    return EXIT.FAILED;
  }
  process.stderr.write(`odelab: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return EXIT.FAILED;
}
