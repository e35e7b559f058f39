#!/usr/bin/env node
// The odelab executable: registers tsx (experiment files and plugins are
// TypeScript), then runs the CLI with the built-in plugins.
// tsx compiles with odelab's tsconfig wherever the command runs, not with
// whichever tsconfig the working folder has (whose compiler options, such as
// class-field semantics, would otherwise apply to odelab's own files); the
// variable also reaches sweep workers (threads and processes).
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register();
const { runCli } = await import('../core/cli/main.ts');
const { builtinPlugins } = await import('../plugins/index.ts');
const code = await runCli(process.argv.slice(2), builtinPlugins, new URL('../plugins/index.ts', import.meta.url).href);
// Exit explicitly once output is flushed: backends may hold handles open.
process.stdout.write('', () => process.exit(code));
