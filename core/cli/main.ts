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
import { evalCommand } from './eval-command.ts';
import { EXIT } from './exit.ts';
import { evalOptions } from './eval-options.ts';
import { pluginsCommand } from './plugins-command.ts';
import { readSetFile } from '../config/set-file.ts';
import { runCommand } from './run-command.ts';
import { syncCommand } from './sync-command.ts';
import { sweepCommand } from './sweep-command.ts';

class UsageError extends Error {}

/**
 * Run the CLI on `argv` (without node and script); resolves to the exit code.
 * `builtinsModule` is the URL of the module exporting `builtinPlugins`: sweep
 * workers load the built-ins from it in their own threads or processes.
 */
export async function runCli(argv: readonly string[], builtins: readonly Plugin[], builtinsModule?: string): Promise<number> {
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
          .option('set-file', { type: 'string', requiresArg: true, describe: 'overrides from a JSON object {"train.lr": 0.003, ...} (e.g. a sweep\'s best), before --set' })
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
          set: [...(a.setFile ? readSetFile(a.setFile) : []), ...a.set],
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
      'sweep <experiment>',
      "run the experiment's sweep section on a worker pool: a parent MLflow run, a child run per trial",
      (y) =>
        withPluginOption(y)
          .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file (.ts) with a sweep section' })
          .option('set', { type: 'string', array: true, default: [] as string[], requiresArg: true, describe: 'override a config value for every trial (repeatable)' })
          .option('workers', { type: 'number', describe: 'trials at once (default: one per core)' })
          .option('max-trials', { type: 'number', describe: 'run only the first N trials of the expansion' })
          .option('scheduler', { type: 'string', choices: ['none', 'asha'] as const, default: 'none' as const, describe: 'early stopping: none, or asha (settings in sweep.asha)' })
          .option('max-failures', { type: 'number', default: 0, describe: 'retries of a failed trial (each attempt is its own child run)' })
          .option('resume', { type: 'string', describe: 'SWEEP_ID (the parent run id): run only the trials that did not finish' })
          .option('isolation', { type: 'string', choices: ['thread', 'process'] as const, describe: 'worker threads (default for cpu/wasm) or a process per trial (default for native backends)' })
          .option('backend', { type: 'string', choices: BACKENDS, describe: 'tensor backend [env ODELAB_BACKEND; default auto]' })
          .option('tracking-uri', { type: 'string', describe: 'MLflow tracking URI [env MLFLOW_TRACKING_URI; default ./mlruns]' })
          .option('best-out', { type: 'string', describe: "where to write the best trial's overrides (default sweep-<id>-best.json)" })
          .option('queue', { type: 'string', requiresArg: true, describe: 'redis://[user:password@]host[:port][/db] or rediss://: enqueue the trials for odelab workers (other machines) instead of running them here' })
          .option('json', { type: 'boolean', default: false, describe: 'print the result table as JSON on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }),
      async (a) => {
        code = await sweepCommand(Registry.with(builtins), {
          experiment: a.experiment,
          set: a.set,
          plugin: a.plugin,
          backend: a.backend,
          trackingUri: a.trackingUri,
          workers: a.workers,
          maxTrials: a.maxTrials,
          scheduler: a.scheduler as 'none' | 'asha',
          maxFailures: a.maxFailures,
          resume: a.resume,
          isolation: a.isolation as 'thread' | 'process' | undefined,
          bestOut: a.bestOut,
          queue: a.queue,
          json: a.json,
          quiet: a.quiet,
          builtinsModule,
        });
      },
    )
    .command(
      'worker',
      'run trials of queued sweeps (odelab sweep --queue) on this machine, logging to each sweep\'s tracking URI',
      (y) =>
        y
          .option('queue', { type: 'string', demandOption: true, requiresArg: true, describe: 'redis://[user:password@]host[:port][/db] or rediss:// (the sweep\'s --queue)' })
          .option('workers', { type: 'number', describe: 'trials at once (default: one per core)' })
          .option('backend', { type: 'string', choices: BACKENDS, describe: 'tensor backend of every trial run here [env ODELAB_BACKEND; default auto]' })
          .option('isolation', { type: 'string', choices: ['thread', 'process'] as const, describe: 'worker threads (default for cpu/wasm) or a process per trial (default for native backends)' })
          .epilogue(
            'Ctrl-C once: take no new trials, finish the running ones. Twice: stop them now (runs KILLED) and hand them back to the queue. ' +
              'Settings: ODELAB_QUEUE_PREFIX, ODELAB_QUEUE_LOCK_MS, ODELAB_QUEUE_STALLED_MS, ODELAB_QUEUE_MAX_STALLED (see README "Sweeps across machines").',
          ),
      async (a) => {
        const { workerCommand } = await import('./worker-command.ts');
        code = await workerCommand({ queue: a.queue, workers: a.workers, backend: a.backend, isolation: a.isolation as 'thread' | 'process' | undefined, builtinsModule });
      },
    )
    .command(
      'eval <model>',
      "evaluate a logged model again (the run's metrics) or roll it out (--rollout); <model>: runs:/<run_id>/model or a model folder",
      (y) => evalOptions(y),
      async (a) => {
        code = await evalCommand(Registry.with(builtins), a);
      },
    )
    .command(
      'sync',
      'send the records runs left in the local spool to the tracking server and finish those runs',
      (y) =>
        withPluginOption(y)
          .option('tracking-uri', {
            type: 'string',
            describe: 'only runs logged to this URI [env MLFLOW_TRACKING_URI; default: all, each to its own URI]',
          })
          .option('spool-dir', { type: 'string', describe: 'the spool folder [env ODELAB_SPOOL_DIR; default ${XDG_CACHE_HOME:-~/.cache}/odelab/spool]' })
          .option('json', { type: 'boolean', default: false, describe: 'print the per-run results as JSON on stdout' })
          .epilogue(
            'Runs still owned by a live process are skipped; a run whose process died before ending it is marked ' +
              'FAILED (tag odelab.failure_reason). Exit 0 when nothing is left to send, 1 when records remain.',
          ),
      async (a) => {
        code = await syncCommand(Registry.with(builtins), { trackingUri: a.trackingUri, spoolDir: a.spoolDir, plugin: a.plugin, json: a.json });
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
    .demandCommand(1, 'name a command: run, sweep, worker, eval, sync or plugins')
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
