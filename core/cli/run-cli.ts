/**
 * `runCli` for the public API, loading the command line (yargs, the sweep
 * pool, the queue's Redis client) only when called: the package's other
 * importers, among them every sweep worker thread, do not pay for it.
 */
import type { Plugin } from '../registry/plugin.ts';

/** Run the CLI on `argv` (without node and script); resolves to the exit code. See cli/main.ts. */
export async function runCli(argv: readonly string[], builtins: readonly Plugin[], builtinsModule?: string): Promise<number> {
  const main = await import('./main.ts');
  return main.runCli(argv, builtins, builtinsModule);
}
