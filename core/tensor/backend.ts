/**
 * Choosing and starting a tfjs backend.
 *
 * `tensorflow` and `tensorflow-gpu` are `@tensorflow/tfjs-node` and
 * `@tensorflow/tfjs-node-gpu`: optional peer dependencies, imported only when
 * asked for or, with `auto`, when installed. Both register tfjs's
 * `tensorflow` backend, which is process-wide (tfjs issue 8388): a process
 * can host one of them, not several worker threads each loading it.
 * `auto` prefers tensorflow-gpu, then tensorflow, then the JavaScript
 * backend measured faster on small models on our reference machine
 * (see {@link AUTO_JS_BACKEND} and `npm run bench -- backend`).
 */
import { createRequire } from 'node:module';
import { BackendUnavailableError, ConfigError } from '../errors.ts';
import { routeMatMulBySize } from './native-matmul.ts';
import { requireTfjs, tf } from './tf.ts';

export const BACKENDS = ['auto', 'cpu', 'wasm', 'tensorflow', 'tensorflow-gpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

/**
 * The JavaScript backend `auto` falls back to: `wasm`, faster than `cpu` on
 * every model measured, small ones included. `npm run bench -- backend` on
 * the 2-core reference machine (AMD EPYC, Node 20.20, tfjs 4.22, wasm with
 * SIMD, single-threaded), median ms per training step (rk4 through 10 output
 * times, batch 20, L1 loss, backprop, Adam), range over five full runs on a
 * machine shared with other jobs:
 *
 *   model       cpu ms    wasm ms   cpu / wasm
 *   2-50-2      24-30     17-22     1.36-1.40 (wasm faster in 34 of 36 back-to-back repeats)
 *   2-256-2     65-85     23-31     2.3-2.9
 *   2-1024-2    242-302   56-72     4.0-4.8
 *   2-64-64-2   86-107    38-50     2.2-2.6
 *
 * No crossover between widths 50 and 1024: wasm's lead grows with width.
 */
export const AUTO_JS_BACKEND: 'cpu' | 'wasm' = 'wasm';

const NATIVE_PACKAGES = {
  tensorflow: '@tensorflow/tfjs-node',
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
} as const;

const require = createRequire(import.meta.url);

/** Whether an optional package can be resolved from here, without loading it. */
export function isInstalled(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** Parse a backend name from a flag or environment variable. */
export function parseBackendName(value: string, source: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw new ConfigError(source, `${source} must be one of ${BACKENDS.join(', ')}, got '${value}'`);
}

/** Resolve `auto` to a concrete backend, from what is installed. */
export function resolveBackendName(name: BackendName): ConcreteBackend {
  if (name !== 'auto') return name;
  if (isInstalled(NATIVE_PACKAGES['tensorflow-gpu'])) return 'tensorflow-gpu';
  if (isInstalled(NATIVE_PACKAGES.tensorflow)) return 'tensorflow';
  return AUTO_JS_BACKEND;
}

let active: ConcreteBackend | undefined;

/**
 * Start the backend and make it tfjs's current one.
 * @returns the concrete backend in use (what is recorded on the run).
 */
export async function initBackend(name: BackendName): Promise<ConcreteBackend> {
  const concrete = resolveBackendName(name);
  if (active === concrete && tf.getBackend() === tfName(concrete)) return concrete;
  if (concrete === 'tensorflow' || concrete === 'tensorflow-gpu') await loadNative(concrete);
  if (concrete === 'wasm') requireTfjs('@tensorflow/tfjs-backend-wasm');
  const ok = await tf.setBackend(tfName(concrete));
  if (!ok) throw new BackendUnavailableError(`backend '${concrete}' failed to initialise`);
  await tf.ready();
  if (concrete === 'cpu' || concrete === 'wasm') routeMatMulBySize(concrete);
  active = concrete;
  return concrete;
}

function tfName(b: ConcreteBackend): string {
  return b === 'tensorflow-gpu' ? 'tensorflow' : b;
}

async function loadNative(b: 'tensorflow' | 'tensorflow-gpu'): Promise<void> {
  const pkg = NATIVE_PACKAGES[b];
  if (active && active !== b && (active === 'tensorflow' || active === 'tensorflow-gpu')) {
    throw new BackendUnavailableError(`'${active}' is already loaded in this process; one native backend per process`);
  }
  if (!isInstalled(pkg)) {
    throw new BackendUnavailableError(
      `backend '${b}' needs ${pkg}, which is not installed. Install it with ` +
        `\`npm install ${pkg}@4.22.0\` (same version as @tensorflow/tfjs; its install script downloads ` +
        `libtensorflow${b === 'tensorflow-gpu' ? ', and it needs CUDA and cuDNN' : ''}), ` +
        `or choose --backend cpu or wasm`,
    );
  }
  try {
    requireTfjs(pkg);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new BackendUnavailableError(`backend '${b}': ${pkg} is installed but failed to load: ${why}`);
  }
}
