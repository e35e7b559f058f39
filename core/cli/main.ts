/**
 * The `odelab` command line. Exit codes: 0 success, 1 a failed run, 2 invalid
 * input (caught before any work starts), 130 interrupted.
 *
 * Each command is one entry of COMMANDS (its name, what to say when its
 * positional argument is missing, and its yargs registration); a new command
 * is a new entry. yargs' own usage messages are reworded by `usageError`.
 */
import { createRequire } from 'node:module';
import type { Argv } from 'yargs';
import { closest } from '../schema.ts';
import { readSetFile } from '../config/set-file.ts';
import { isConfigError, OdelabError } from '../errors.ts';
import type { Plugin } from '../registry/plugin.ts';
import { Registry } from '../registry/registry.ts';
import { packageVersion } from '../queue/odelab-version.ts';
import { BACKENDS } from '../tensor/backend.ts';
import { withPluginOption } from './command-options.ts';
import { evalCommand } from './eval-command.ts';
import { evalOptions } from './eval-options.ts';
import { EXIT } from './exit.ts';
import { initCommand } from './init-command.ts';
import { pluginsCommand } from './plugins-command.ts';
import { runCommand } from './run-command.ts';
import { syncCommand } from './sync-command.ts';
import { BEST_DIR, sweepCommand } from './sweep-command.ts';

const require = createRequire(import.meta.url);
// yargs' ESM build lays out --help with cliui's ESM fallback, which wraps by
// cutting every `width` characters ("./mlru ns"); the CommonJS build wraps at
// word boundaries (wrap-ansi).
const yargs = require('yargs/yargs') as typeof import('yargs/yargs');
keepGapBeforeTypes();

/** A mistake in the command line itself; `command` is who reports it (`odelab run`). */
class UsageError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(message);
  }
}

/** What every command's handler gets. */
interface CliContext {
  builtins: readonly Plugin[];
  /** URL of the module exporting `builtinPlugins` (sweep workers load the built-ins from it). */
  builtinsModule?: string;
  /** The handler's exit code. */
  exit(code: number): void;
}

interface CommandDef {
  name: string;
  /** The message when the command's positional argument is missing. */
  missing?: string;
  register(y: Argv, ctx: CliContext): Argv;
}

/** `--set` and `--set-file`, shared by run and sweep. */
function withOverrideOptions<T>(y: Argv<T>, setHelp: string) {
  return y
    .option('set', { type: 'string', array: true, default: [] as string[], requiresArg: true, describe: setHelp })
    .option('set-file', {
      type: 'string',
      requiresArg: true,
      describe: 'overrides from a JSON object {"train.lr": 0.003, ...} (e.g. a sweep\'s best), applied before --set',
    });
}

/** The overrides of --set-file, then those of --set (so --set wins). */
function overridesOf(a: { set: string[]; setFile?: string }): string[] {
  return [...(a.setFile ? readSetFile(a.setFile) : []), ...a.set];
}

const run: CommandDef = {
  name: 'run',
  missing: 'missing the experiment file, e.g. odelab run experiments/spiral.ts',
  register: (y, ctx) =>
    y.command(
      'run <experiment>',
      'train and evaluate one experiment, logging to MLflow (file store ./mlruns by default)',
      (c) =>
        withOverrideOptions(withPluginOption(c), 'override a config value, e.g. --set train.lr=0.01 (repeatable)')
          .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file (.ts)' })
          .option('backend', { type: 'string', choices: BACKENDS, describe: 'tensor backend [env ODELAB_BACKEND; default auto]' })
          .option('seed', { type: 'number', describe: "random seed (default: the experiment's, else 0)" })
          .option('tracking-uri', { type: 'string', describe: 'MLflow tracking URI [env MLFLOW_TRACKING_URI; default ./mlruns]' })
          .option('run-name', { type: 'string', describe: 'MLflow run name' })
          .option('json', { type: 'boolean', default: false, describe: 'print one JSON summary on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }),
      async (a) => {
        if (a.seed !== undefined && !(Number.isInteger(a.seed) && a.seed >= 0)) {
          throw new UsageError('odelab run', `--seed must be a non-negative integer, got ${a.seed}`);
        }
        ctx.exit(
          await runCommand(Registry.with(ctx.builtins), {
            experiment: a.experiment,
            set: overridesOf(a),
            plugin: a.plugin,
            backend: a.backend,
            seed: a.seed,
            trackingUri: a.trackingUri,
            runName: a.runName,
            json: a.json,
            quiet: a.quiet,
          }),
        );
      },
    ),
};

const sweep: CommandDef = {
  name: 'sweep',
  missing: 'missing the experiment file (one with a sweep section), e.g. odelab sweep experiments/spiral.ts',
  register: (y, ctx) =>
    y.command(
      'sweep <experiment>',
      "run the experiment's sweep section on a worker pool: a parent MLflow run, a child run per trial",
      (c) =>
        withOverrideOptions(withPluginOption(c), 'override a config value for every trial (repeatable)')
          .positional('experiment', { type: 'string', demandOption: true, describe: 'experiment file (.ts) with a sweep section' })
          .option('workers', { type: 'number', describe: 'trials at once (default: one per core)' })
          .option('max-trials', { type: 'number', describe: 'run only the first N trials of the expansion' })
          .option('scheduler', { type: 'string', choices: ['none', 'asha'] as const, default: 'none' as const, describe: 'early stopping: none, or asha (settings in sweep.asha)' })
          .option('max-failures', { type: 'number', default: 0, describe: 'retries of a failed trial (each attempt is its own child run)' })
          .option('resume', { type: 'string', describe: 'SWEEP_ID (the parent run id): run only the trials that did not finish' })
          .option('isolation', { type: 'string', choices: ['thread', 'process'] as const, describe: 'worker threads (default for cpu/wasm) or a process per trial (default for native backends)' })
          .option('backend', { type: 'string', choices: BACKENDS, describe: 'tensor backend [env ODELAB_BACKEND; default auto]' })
          .option('tracking-uri', { type: 'string', describe: 'MLflow tracking URI [env MLFLOW_TRACKING_URI; default ./mlruns]' })
          .option('best-out', { type: 'string', describe: `where to write the best trial's overrides for odelab run --set-file (default ${BEST_DIR}/<sweep id>-best.json)` })
          .option('queue', { type: 'string', requiresArg: true, describe: 'redis://[user:password@]host[:port][/db] or rediss://: enqueue the trials for odelab workers (other machines) instead of running them here; needs ODELAB_QUEUE_KEY (the workers\' signing key)' })
          .option('insecure-queue', { type: 'boolean', default: false, describe: 'with --queue: do not sign the code and jobs (no ODELAB_QUEUE_KEY; a trusted network only) [env ODELAB_QUEUE_INSECURE=1]' })
          .option('json', { type: 'boolean', default: false, describe: 'print the result table as JSON on stdout' })
          .option('quiet', { type: 'boolean', default: false, describe: 'no progress output' }),
      async (a) => {
        ctx.exit(
          await sweepCommand(Registry.with(ctx.builtins), {
            experiment: a.experiment,
            set: overridesOf(a),
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
            insecureQueue: a.insecureQueue,
            json: a.json,
            quiet: a.quiet,
            builtinsModule: ctx.builtinsModule,
          }),
        );
      },
    ),
};

const worker: CommandDef = {
  name: 'worker',
  register: (y, ctx) =>
    y.command(
      'worker',
      "run trials of queued sweeps (odelab sweep --queue) on this machine, logging to each sweep's tracking URI",
      (c) =>
        c
          .option('queue', { type: 'string', demandOption: true, requiresArg: true, describe: "redis://[user:password@]host[:port][/db] or rediss:// (the sweep's --queue)" })
          .option('workers', { type: 'number', describe: 'trials at once (default: one per core)' })
          .option('backend', { type: 'string', choices: BACKENDS, describe: 'tensor backend of every trial run here [env ODELAB_BACKEND; default auto]' })
          .option('isolation', { type: 'string', choices: ['thread', 'process'] as const, describe: 'worker threads (default for cpu/wasm) or a process per trial (default for native backends)' })
          .option('insecure-queue', { type: 'boolean', default: false, describe: 'run jobs that are not signed (no ODELAB_QUEUE_KEY; a trusted network only) [env ODELAB_QUEUE_INSECURE=1]' })
          .epilogue(
            'Ctrl-C once: take no new trials, finish the running ones. Twice: stop them now (runs KILLED) and hand them back to the queue. ' +
              'Only jobs and code signed with ODELAB_QUEUE_KEY (the sweep\'s) run. Settings: ODELAB_QUEUE_KEY, ODELAB_QUEUE_PREFIX, ODELAB_QUEUE_LOCK_MS, ODELAB_QUEUE_STALLED_MS, ODELAB_QUEUE_MAX_STALLED (see README "Sweeps across machines").',
          ),
      async (a) => {
        const { workerCommand } = await import('./worker-command.ts');
        ctx.exit(await workerCommand({ queue: a.queue, workers: a.workers, backend: a.backend, isolation: a.isolation as 'thread' | 'process' | undefined, builtinsModule: ctx.builtinsModule, insecureQueue: a.insecureQueue }));
      },
    ),
};

const evaluate: CommandDef = {
  name: 'eval',
  missing: 'missing the model, e.g. odelab eval runs:/<run_id>/model (or just the run id, or a model folder)',
  register: (y, ctx) =>
    y.command(
      'eval <model>',
      "evaluate a logged model again (the run's metrics) or roll it out (--rollout); <model>: runs:/<run_id>/model, a run id, or a model folder",
      (c) => evalOptions(c),
      async (a) => {
        ctx.exit(await evalCommand(Registry.with(ctx.builtins), a));
      },
    ),
};

const sync: CommandDef = {
  name: 'sync',
  register: (y, ctx) =>
    y.command(
      'sync',
      'send the records runs left in the local spool to the tracking server and finish those runs',
      (c) =>
        withPluginOption(c)
          .option('tracking-uri', { type: 'string', describe: 'only runs logged to this URI [env MLFLOW_TRACKING_URI; default: all, each to its own URI]' })
          .option('spool-dir', { type: 'string', describe: 'the spool folder [env ODELAB_SPOOL_DIR; default ${XDG_CACHE_HOME:-~/.cache}/odelab/spool]' })
          .option('json', { type: 'boolean', default: false, describe: 'print the per-run results as JSON on stdout' })
          .epilogue(
            'Runs still owned by a live process are skipped; a run whose process died before ending it is marked ' +
              'FAILED (tag odelab.failure_reason). Runs of the local store (--tracking-uri, else ./mlruns) left RUNNING by a ' +
              'dead process are ended FAILED (odelab.failure_code=PROCESS_LOST). Exit 0 when nothing is left to send, 1 when records remain.',
          ),
      async (a) => {
        ctx.exit(await syncCommand(Registry.with(ctx.builtins), { trackingUri: a.trackingUri, spoolDir: a.spoolDir, plugin: a.plugin, json: a.json }));
      },
    ),
};

const plugins: CommandDef = {
  name: 'plugins',
  register: (y, ctx) =>
    y.command(
      'plugins',
      'list every registered plugin by kind, with description and options',
      (c) => withPluginOption(c).option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
      async (a) => {
        ctx.exit(await pluginsCommand(Registry.with(ctx.builtins), a.plugin, a.json));
      },
    ),
};

const init: CommandDef = {
  name: 'init',
  missing: 'missing the folder to create, e.g. odelab init ../my-lab',
  register: (y, ctx) =>
    y.command(
      'init <dir>',
      'create a project folder that uses odelab: package.json ("type": "module", odelab as a dependency), an example experiment and physics plugin',
      (c) =>
        c
          .positional('dir', { type: 'string', demandOption: true, describe: 'a new or empty folder' })
          .option('odelab', {
            type: 'string',
            requiresArg: true,
            describe: 'what the project depends on: an odelab checkout, a tarball from npm pack, or a git URL [default: this odelab]',
          }),
      (a) => {
        ctx.exit(initCommand({ dir: a.dir as string, odelab: a.odelab }));
      },
    ),
};

/** The commands, in --help order. */
const COMMANDS: readonly CommandDef[] = [run, sweep, worker, evaluate, sync, plugins, init];

interface CliuiLine {
  text: string;
  span?: boolean;
}
interface CliuiPrototype {
  renderInline(this: unknown, source: string, previous: CliuiLine): string;
}

/**
 * cliui (yargs' help layout) puts an option's `[boolean] [default: false]`
 * on the description's line when it fits, but also when it fits with no space
 * at all ("on stdout[boolean]"). This keeps such a column on its own line, as
 * for any that does not fit. Only the help text is affected.
 */
function keepGapBeforeTypes(): void {
  const cliui = createRequire(require.resolve('yargs/yargs'))('cliui') as (o: { width: number }) => object;
  const proto = Object.getPrototypeOf(cliui({ width: 80 })) as CliuiPrototype;
  const original = proto.renderInline;
  if (typeof original !== 'function' || (original as { gapKept?: boolean }).gapKept) return;
  const patched = function (this: unknown, source: string, previous: CliuiLine): string {
    const lead = /^ */.exec(source)![0].length;
    if (previous.span && source.trim() !== '' && lead === previous.text.trimEnd().length) return source;
    return original.call(this, source, previous);
  };
  proto.renderInline = Object.assign(patched, { gapKept: true });
}

/** Help text width: the terminal's; when stdout is not a terminal, $COLUMNS if set, else 80. */
export function helpWidth(stdout: { isTTY?: boolean; columns?: number } = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stdout.isTTY && stdout.columns) return stdout.columns;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns >= 40 ? columns : 80;
}

/**
 * Run the CLI on `argv` (without node and script); resolves to the exit code.
 * `builtinsModule` is the URL of the module exporting `builtinPlugins`: sweep
 * workers load the built-ins from it in their own threads or processes.
 */
export async function runCli(argv: readonly string[], builtins: readonly Plugin[], builtinsModule?: string): Promise<number> {
  let code: number = EXIT.OK;
  const ctx: CliContext = { builtins, builtinsModule, exit: (c) => void (code = c) };
  let parser = yargs([...argv]).scriptName('odelab').usage('$0 <command> [options]\n\nNeural-ODE experiments in physics.');
  for (const command of COMMANDS) parser = command.register(parser, ctx);
  parser = parser
    .demandCommand(1, `name a command: ${COMMANDS.map((c) => c.name).join(', ')}`)
    .strict()
    .help()
    .alias('h', 'help')
    .version(packageVersion())
    .wrap(helpWidth())
    .exitProcess(false)
    .fail((msg, err) => {
      // yargs reports some usage mistakes (a flag without its value) as its own YError, not as a message.
      if (err && err.name !== 'YError') throw err;
      throw usageError(msg ?? err?.message ?? 'invalid command line', argv);
    });
  try {
    await parser.parseAsync();
    return code;
  } catch (e) {
    return report(e);
  }
}

/** yargs' message for a usage mistake, said in odelab's words and naming the command. */
function usageError(msg: string, argv: readonly string[]): UsageError {
  const first = argv.find((a) => !a.startsWith('-'));
  const command = COMMANDS.find((c) => c.name === first);
  const who = command ? `odelab ${command.name}` : 'odelab';
  return new UsageError(who, reword(msg, command, argv));
}

function reword(msg: string, command: CommandDef | undefined, argv: readonly string[]): string {
  if (/^Not enough non-option arguments/.test(msg) && command?.missing) return command.missing;
  const unknown = /^Unknown arguments?: (.*)$/s.exec(msg);
  if (unknown) return unknownArguments(unknown[1]!.split(', '), command, argv);
  const needsValue = /^Not enough arguments following: (.*)$/.exec(msg);
  if (needsValue) return `${flag(needsValue[1]!)} needs a value`;
  const required = /^Missing required arguments?: (.*)$/.exec(msg);
  if (required) return `missing ${required[1]!.split(', ').map(flag).join(', ')}`;
  const invalid = /Argument: (\S+), Given: (.*), Choices: (.*)$/m.exec(msg);
  if (invalid) return `${flag(invalid[1]!)} must be one of ${invalid[3]!}, got ${invalid[2]!}`;
  return msg;
}

/** Unknown names are options (given with dashes), extra arguments, or an unknown command. */
function unknownArguments(names: string[], command: CommandDef | undefined, argv: readonly string[]): string {
  const given = (n: string) => argv.some((a) => a === `--${n}` || a.startsWith(`--${n}=`) || a === `-${n}`);
  const options = names.filter(given);
  if (options.length) return `unknown option${options.length > 1 ? 's' : ''} ${options.map(flag).join(', ')}`;
  if (command) return `unexpected argument${names.length > 1 ? 's' : ''} ${names.map((n) => `'${n}'`).join(', ')}`;
  const near = closest(names[0]!, COMMANDS.map((c) => c.name));
  return `unknown command '${names[0]}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})${near ? `; did you mean '${near}'?` : ''}`;
}

function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

function report(e: unknown): number {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.command}: ${e.message}\nRun '${e.command} --help' for usage.\n`);
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
