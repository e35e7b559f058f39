/**
 * Importing a user's module (an experiment file or a plugin) by path, with
 * the two set-up mistakes explained instead of Node's own messages: a .ts
 * file outside an ES-module package (Node then reads it as CommonJS and fails
 * with "Cannot require() ES Module ... in a cycle"), and a folder where the
 * package 'odelab' is not installed ("Cannot find package 'odelab'").
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, type ErrorCode } from '../errors.ts';

const SETUP_HINT = "make a project with 'odelab init <dir>' (run from the odelab checkout), or see the README, 'Using odelab from your own folder'";

/** The nearest package.json above `file`, if any. */
function nearestPackageJson(file: string): string | undefined {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * A .ts or .js file is an ES module only inside a package with "type": "module"
 * (.mts and .mjs always are); experiment files and plugins use `import`.
 */
function checkModuleFormat(file: string, source: string, code: ErrorCode): void {
  const ext = extname(file);
  if (ext !== '.ts' && ext !== '.js') return;
  // Node decides a module's format from its real path (it resolves symbolic links).
  const pkg = nearestPackageJson(realpathSync(file));
  let type: unknown;
  if (pkg) {
    try {
      type = (JSON.parse(readFileSync(pkg, 'utf8')) as { type?: unknown }).type;
    } catch {
      type = undefined;
    }
  }
  if (type === 'module') return;
  const where = pkg ? `its package.json (${pkg}) does not say "type": "module"` : 'no package.json above it says "type": "module"';
  throw new ConfigError(
    source,
    `${source}: ${file} is not in an ES-module project: ${where}. Add "type": "module" there, or ${SETUP_HINT}`,
    code,
  );
}

/**
 * Import the module at the absolute path `file`.
 * @param source the config path or flag that named it, for messages.
 * @param what 'experiment file' or 'plugin module', for messages.
 * @param code the ConfigError code of a failure.
 */
export async function importUserModule(file: string, source: string, what: string, code: ErrorCode): Promise<{ default?: unknown }> {
  checkModuleFormat(file, source, code);
  try {
    return (await import(pathToFileURL(file).href)) as { default?: unknown };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const hint = /Cannot find (package|module) 'odelab'/.test(why)
      ? `. odelab is not installed where ${file} can import it: run 'npm install' in its project (package.json must depend on odelab), or ${SETUP_HINT}`
      : '';
    throw new ConfigError(source, `${source}: could not load ${what} ${file}: ${why}${hint}`, code);
  }
}
