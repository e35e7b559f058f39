/**
 * `odelab init <dir>`: a project folder of your own that uses odelab, as
 * `npm create vite` or `prisma init` make one. It holds a package.json
 * (`"type": "module"`, so experiment files are ES modules; odelab as a
 * dependency by path, tarball or git URL), the example experiment and its
 * physics plugin (copied from odelab's own experiments/, so the example is
 * the one odelab's tests run), a tsconfig.json for editors, a .gitignore and
 * a README. `npm install` there, then `npx odelab run ...` works.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors.ts';

/** odelab's own checkout (or installed package) root. */
export const ODELAB_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The files copied from odelab into a new project, at the same relative paths. */
export const EXAMPLE_FILES = ['experiments/spring-pendulum-lnn.ts', 'experiments/physics/spring-pendulum.ts'] as const;
export const EXAMPLE_EXPERIMENT = EXAMPLE_FILES[0];

export interface InitArgs {
  dir: string;
  /** What package.json depends on: a path to an odelab checkout or tarball, or any npm spec (git URL). Default: this odelab. */
  odelab?: string;
}

export interface InitResult {
  dir: string;
  files: string[];
  dependency: string;
}

/** npm package names: lower case, no spaces; derived from the folder's name. */
function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return name || 'odelab-project';
}

/**
 * The dependency spec for package.json: npm specs (git URLs, registry
 * versions) as given; paths (a checkout or a .tgz) as `file:` relative to the
 * project, so the folder can move together with odelab.
 */
function dependencySpec(projectDir: string, odelab: string | undefined): string {
  const given = odelab ?? ODELAB_ROOT;
  if (/^(git\+|git:|https?:|github:|file:)/.test(given)) return given;
  const target = resolve(given);
  if (!existsSync(target)) {
    throw new ConfigError('--odelab', `--odelab must be an odelab checkout, a tarball from npm pack, or a git URL; ${target} does not exist`);
  }
  if (statSync(target).isDirectory() && !existsSync(join(target, 'package.json'))) {
    throw new ConfigError('--odelab', `--odelab: ${target} has no package.json; give the odelab checkout's folder`);
  }
  const rel = relative(projectDir, target).split(sep).join('/');
  return `file:${rel.startsWith('.') || isAbsolute(rel) ? rel : `./${rel}`}`;
}

function checkTarget(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new ConfigError('dir', `odelab init: ${dir} exists and is not a folder`);
  if (readdirSync(dir).length > 0) throw new ConfigError('dir', `odelab init: ${dir} is not empty; give a new or empty folder`);
}

function projectFiles(dir: string, dependency: string): Record<string, string> {
  const name = packageName(dir);
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: { start: `odelab run ${EXAMPLE_EXPERIMENT}`, plugins: 'odelab plugins' },
    dependencies: { odelab: dependency },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['experiments'],
  };
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\nmlruns/\n.odelab/\n',
    'README.md': [
      `# ${name}`,
      '',
      'Neural-ODE experiments with odelab. Set up with `npm install`, then',
      '',
      '```sh',
      `npx odelab run ${EXAMPLE_EXPERIMENT}    # an LNN learns the spring pendulum of experiments/physics/`,
      '```',
      '',
      'Runs go to `./mlruns`; `npx odelab --help` lists the commands.',
      '',
    ].join('\n'),
  };
  for (const path of EXAMPLE_FILES) files[path] = readFileSync(join(ODELAB_ROOT, path), 'utf8');
  return files;
}

/** Create the project folder; ConfigError (exit 2) before writing anything if it cannot be made. */
export function initProject(args: InitArgs): InitResult {
  const dir = resolve(args.dir);
  checkTarget(dir);
  const dependency = dependencySpec(dir, args.odelab);
  const files = projectFiles(dir, dependency);
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  }
  return { dir, files: Object.keys(files), dependency };
}

export function initCommand(args: InitArgs): number {
  const result = initProject(args);
  const rel = relative(process.cwd(), result.dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? result.dir : rel;
  process.stdout.write(
    [
      `created ${result.dir} (odelab: ${result.dependency})`,
      ...result.files.map((f) => `  ${f}`),
      '',
      'next:',
      `  cd ${shown}`,
      '  npm install',
      `  npx odelab run ${EXAMPLE_EXPERIMENT}`,
      '',
    ].join('\n'),
  );
  return 0;
}
