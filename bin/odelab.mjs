#!/usr/bin/env node
// The odelab executable: registers tsx (experiment files and plugins are
// TypeScript), then runs the CLI with the built-in plugins.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../core/cli/main.ts');
const { builtinPlugins } = await import('../plugins/index.ts');
const code = await runCli(process.argv.slice(2), builtinPlugins);
// Exit explicitly once output is flushed: backends may hold handles open.
process.stdout.write('', () => process.exit(code));
