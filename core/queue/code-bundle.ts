/**
 * The code a queued sweep's trials run, as data: the experiment file, every
 * plugin module it loads (its `plugins` and the `--plugin`s) and every file
 * they import by relative path, as `{ bundle path → source text }` with a
 * sha256 over the whole. A worker on another machine materialises exactly
 * these files (code-cache.ts), so it runs the code the sweep was started
 * with, not whatever its own checkout holds.
 *
 * The import graph is esbuild's (tsx's own compiler, already installed):
 * static imports, re-exports and literal dynamic imports, resolved the way
 * TypeScript does (`./x.js` → `./x.ts`, extensionless, index files), with
 * type-only imports left out as they are at run time. Package imports
 * (`odelab`, `node:fs`, anything from node_modules) are not bundled: they
 * resolve in the worker's own installation. Files read at run time (a CSV
 * opened with fs) are not followed.
 *
 * Bundle paths are relative to the deepest folder holding every file, so the
 * layout (and each `plugins: ['../x.ts']` path) is kept.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';
import { ConfigError } from '../errors.ts';
import type { CodeRef } from './job-data.ts';

export interface CodeBundle {
  hash: string;
  /** Bundle path (posix separators) → source text. */
  files: Record<string, string>;
  /** Absolute path on this machine → bundle path, for the entry files and everything they import. */
  paths: Map<string, string>;
}

/** The content hash of a bundle: sha256 over its paths and sources, in path order. */
export function hashFiles(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const path of Object.keys(files).sort()) h.update(path).update('\0').update(files[path]!).update('\0');
  return h.digest('hex');
}

/**
 * Bundle `entries` (absolute paths) and what they import by relative path.
 * A ConfigError when an import cannot be followed.
 */
export async function bundleCode(entries: readonly string[]): Promise<CodeBundle> {
  const absolute = [...new Set(entries.map((e) => resolve(e)))];
  const base = dirname(absolute[0]!);
  let inputs: string[];
  try {
    const result = await build({
      entryPoints: absolute,
      absWorkingDir: base,
      bundle: true,
      write: false,
      metafile: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      outdir: base, // required with several entries; nothing is written
      logLevel: 'silent',
    });
    inputs = Object.keys(result.metafile.inputs);
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors;
    const why = errors?.length ? errors.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`).join('; ') : String(e);
    throw new ConfigError('experiment', `cannot collect the experiment's code for the queue: ${why}`);
  }
  const files = inputs.map((input) => {
    // esbuild names a file by its path relative to absWorkingDir; other namespaces ('ns:…') are not files we can carry.
    if (/^[a-z][a-z0-9+-]*:/i.test(input) && !isAbsolute(input)) {
      throw new ConfigError('experiment', `cannot carry '${input}' to queue workers: only files imported by relative path travel`);
    }
    return resolve(base, input);
  });
  const root = commonFolder(files);
  const paths = new Map(files.map((f) => [f, relative(root, f).split(sep).join('/')]));
  const sources: Record<string, string> = {};
  for (const [abs, rel] of paths) sources[rel] = await readFile(abs, 'utf8');
  return { hash: hashFiles(sources), files: sources, paths };
}

/**
 * The bundle of an experiment as loaded (`plugins` after `--set`) plus its
 * `--plugin` modules, and where its entry files are inside it.
 * @param file absolute path of the experiment file.
 * @param plugins the experiment's `plugins` list (relative to its folder).
 * @param pluginPaths the `--plugin` modules, absolute.
 */
export async function experimentCode(file: string, plugins: readonly string[], pluginPaths: readonly string[]): Promise<{ bundle: CodeBundle; ref: CodeRef }> {
  for (const [i, p] of plugins.entries()) {
    if (isAbsolute(p)) {
      throw new ConfigError(`plugins[${i}]`, `plugins[${i}]: '${p}' is an absolute path, which cannot travel to queue workers; make it relative to the experiment file`);
    }
  }
  const bundle = await bundleCode([file, ...plugins.map((p) => resolve(dirname(file), p)), ...pluginPaths]);
  // esbuild, like Node, names files by their real path.
  const inBundle = (abs: string) => {
    const rel = bundle.paths.get(realpathSync(abs));
    if (rel === undefined) throw new Error(`internal: ${abs} is missing from its own code bundle`);
    return rel;
  };
  return { bundle, ref: { hash: bundle.hash, experiment: inBundle(file), pluginPaths: pluginPaths.map(inBundle) } };
}

/** The deepest folder containing every path. */
function commonFolder(files: readonly string[]): string {
  let root = dirname(files[0]!);
  for (const f of files) {
    while (relative(root, f).startsWith('..') || isAbsolute(relative(root, f))) root = dirname(root);
  }
  return root;
}
