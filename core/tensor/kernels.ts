/**
 * The kernel layer: which matrix kernels the host loops use, chosen by size.
 *
 * Small products stay on the latency-optimised float64 loops of
 * dense-stack-host.ts (no call overhead, no threads to wake); products with at
 * least NATIVE_GEMM_MIN_WORK multiply-adds go to OpenBLAS's dgemm through
 * the optional add-on native/blas (built by `npm install` when
 * libopenblas-dev is present), on one thread below NATIVE_THREADS_MIN_WORK
 * and on ODELAB_KERNEL_THREADS threads (default: every core for a run, one
 * for each trial of a sweep pool) above; tanh over more
 * than NATIVE_TANH_MIN_LENGTH elements goes to the add-on's vector tanh. Without the add-on, large dense
 * stacks on wasm leave the host path for tfjs-wasm's own matMul (XNNPACK):
 * see hostDenseAllowed in dense-stack-kernels.ts. The thresholds come from
 * `npm run bench -- kernels` (scripts/bench/kernels.ts); docs/kernels.md has
 * the measured table and why the large route is float64 (dgemm), not sgemm.
 *
 * ODELAB_KERNELS=js forces the JavaScript/wasm kernels; =native makes a
 * missing add-on an error instead of a silent fallback; unset or auto: the
 * add-on when it loads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';

/** The add-on's functions (native/blas/odelab_blas.c). */
export interface NativeBlas {
  /** C = alpha op(A) op(B) + beta C, row-major; A, B, C all Float32Array (sgemm) or all Float64Array (dgemm). */
  gemm<T extends Float32Array | Float64Array>(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: T,
    lda: number,
    b: T,
    ldb: number,
    beta: number,
    c: T,
    ldc: number,
  ): void;
  /** a = tanh(a) element-wise by glibc's vector tanh (libmvec; within a few ulps of libm). */
  tanhInPlace(a: Float32Array | Float64Array): void;
  /** g ⊙= 1 − a², element-wise (tanh's derivative from its value); g and a of one type. */
  tanhBackward<T extends Float32Array | Float64Array>(g: T, a: T): void;
  /** out (+)= the column sums of g [rows, cols], summed in double. */
  columnSums(g: Float32Array, rows: number, cols: number, out: Float32Array | Float64Array, accumulate: boolean): void;
  setThreads(n: number): void;
  getThreads(): number;
  /** OpenBLAS's build description (version, core, thread model). */
  config(): string;
  /** The CPU kernels OpenBLAS chose at load (e.g. Haswell, SkylakeX). */
  coreName(): string;
}

export type KernelMode = 'auto' | 'js' | 'native';

/**
 * Multiply-adds (m·n·k) of one product from which dgemm beats the host
 * loops, call overhead (about 0.5 µs) included. `npm run bench -- kernels`
 * on 2026-12-05 (docs/kernels.md): a tie at 8×8×8 (512: 1.6 vs 2.1 µs),
 * dgemm ahead from 20×50×2 (2000: 1.2 vs 6.2 µs) and 16³ (4096: 1.5 vs 7.1 µs) on.
 */
export const NATIVE_GEMM_MIN_WORK = 1024;
/**
 * Multiply-adds from which the extra threads (ODELAB_KERNEL_THREADS > 1)
 * are used; below, one thread, so that small products never wake them.
 */
export const NATIVE_THREADS_MIN_WORK = 4_000_000;

const ADDON = new URL('../../native/blas/build/Release/odelab_blas.node', import.meta.url);

let mode: KernelMode = modeFromEnv(process.env.ODELAB_KERNELS);

/** The mode from the environment; a bad value is a warning (auto), not an error at import time. */
function modeFromEnv(v: string | undefined): KernelMode {
  try {
    return parseMode(v);
  } catch (e) {
    process.emitWarning(`${(e as Error).message}; using auto`, { code: 'ODELAB_KERNELS' });
    return 'auto';
  }
}
let loaded: NativeBlas | null | undefined;
let loadError: string | undefined;
/**
 * Threads OpenBLAS may use for products of at least NATIVE_THREADS_MIN_WORK
 * (threadsWanted). Set when the add-on loads.
 */
let maxThreads = 1;
let threadsNow = 0;

/**
 * ODELAB_KERNEL_THREADS: a count, or unset/auto: every core for a run in its
 * own process's main thread (as PyTorch does), one inside a worker thread
 * (the trials of a sweep pool or a queue worker share the process, and
 * OpenBLAS's thread count is the process's: concurrent trials each run
 * their products on their own core, and calls from several threads into a
 * threaded OpenBLAS would queue on its one thread server). A bad value is
 * a warning and auto.
 */
function threadsWanted(v: string | undefined): number {
  const auto = isMainThread ? availableParallelism() : 1;
  if (v === undefined || v === '' || v === 'auto') return auto;
  const n = Number(v);
  if (Number.isInteger(n) && n >= 1) return n;
  process.emitWarning(`ODELAB_KERNEL_THREADS must be a whole number ≥ 1 or auto, not '${v}'; using auto`, { code: 'ODELAB_KERNEL_THREADS' });
  return auto;
}

function parseMode(v: string | undefined): KernelMode {
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'js' || v === 'native') return v;
  throw new Error(`ODELAB_KERNELS must be auto, js or native, not '${v}'`);
}

/**
 * Ask OpenBLAS for its AVX-512 (SkylakeX) kernels on a CPU that has
 * AVX-512 but which its own detection maps to AVX2 kernels: Debian's
 * OpenBLAS 0.3.21 runs AMD Zen 4 as "Haswell", at 0.55-0.6× the speed of
 * its SkylakeX sgemm and dgemm on the same machine (`npm run bench --
 * kernels`). OpenBLAS reads OPENBLAS_CORETYPE once, when the library is
 * loaded, so this runs before the add-on is; a value the user set is kept.
 * Set from the main thread, the variable is the process's own (worker
 * threads see a copy, so a worker that loads the add-on first gets
 * OpenBLAS's choice).
 */
function preferAvx512Kernels(): void {
  if (process.env.OPENBLAS_CORETYPE || process.platform !== 'linux' || process.arch !== 'x64') return;
  let flags: Set<string>;
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    flags = new Set(line?.[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return;
  }
  // The instruction sets OpenBLAS's SkylakeX kernels use.
  if (['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) process.env.OPENBLAS_CORETYPE = 'SkylakeX';
}

function load(): NativeBlas | null {
  if (loaded !== undefined) return loaded;
  const path = fileURLToPath(ADDON);
  preferAvx512Kernels();
  if (!existsSync(path)) {
    loadError = 'native add-on not built (npm run build:kernels; needs libopenblas-dev)';
    return (loaded = null);
  }
  try {
    loaded = createRequire(import.meta.url)(path) as NativeBlas;
    maxThreads = Math.min(threadsWanted(process.env.ODELAB_KERNEL_THREADS), loaded.getThreads());
    loaded.setThreads(1);
    threadsNow = 1;
  } catch (e) {
    loadError = `native add-on failed to load: ${(e as Error).message}`;
    loaded = null;
  }
  return loaded;
}

/** The native kernels when the mode allows them and the add-on loads, else null. */
export function nativeBlas(): NativeBlas | null {
  if (mode === 'js') return null;
  const n = load();
  if (!n && mode === 'native') throw new Error(`ODELAB_KERNELS=native but ${loadError}`);
  return n;
}

/** Set the mode for this process (tests and benchmarks); returns the previous one. */
export function setKernelMode(m: KernelMode): KernelMode {
  const before = mode;
  mode = parseMode(m);
  return before;
}

export function kernelMode(): KernelMode {
  return mode;
}

/** What this process uses, for a run's `odelab.kernels` tag: 'openblas(2 threads)' or 'js' (with why). */
export function kernelsDescription(): string {
  if (mode === 'js') return 'js (ODELAB_KERNELS=js)';
  const n = load();
  if (!n) return `js (${loadError})`;
  return `openblas (${n.coreName()} kernels) dgemm from ${minWork} multiply-adds, sgemm (float32) for stacks with a product from ${float32MinWork}, ${maxThreads} threads from ${threadsMinWork}`;
}

/** The thread count OpenBLAS may use for large products (tests and the bench may lower it). */
export function setNativeMaxThreads(n: number): void {
  load();
  maxThreads = Math.max(1, Math.floor(n));
}

export function nativeMaxThreads(): number {
  load();
  return maxThreads;
}

/**
 * Multiply-adds of a dense stack's largest layer product (batch × in × out)
 * from which the whole stack is evaluated in float32 by sgemm (dense-stack-host.ts,
 * the float32 route) instead of in float64 by dgemm. sgemm runs at 2.2-2.5×
 * dgemm's rate from 32³ on (`npm run bench -- kernels`), so speed alone
 * would switch much earlier; the line sits where a layer product takes
 * tens of microseconds, so that the small networks of the demos and the
 * tests keep their float64 numbers, and networks from 64 × 128 × 128 on
 * compute as float32 tensors do (their parameters and data are float32 anyway).
 */
export const FLOAT32_ROUTE_MIN_WORK = 1 << 20;

let minWork = NATIVE_GEMM_MIN_WORK;
let threadsMinWork = NATIVE_THREADS_MIN_WORK;
let float32MinWork = FLOAT32_ROUTE_MIN_WORK;

/**
 * Move the thresholds (tests: 0 sends every product to dgemm; the bench);
 * returns the previous ones. Omitted fields are left as they are.
 */
export function setNativeThresholds(t: { minWork?: number; threadsMinWork?: number; float32MinWork?: number }): {
  minWork: number;
  threadsMinWork: number;
  float32MinWork: number;
} {
  const before = { minWork, threadsMinWork, float32MinWork };
  if (t.minWork !== undefined) minWork = t.minWork;
  if (t.threadsMinWork !== undefined) threadsMinWork = t.threadsMinWork;
  if (t.float32MinWork !== undefined) float32MinWork = t.float32MinWork;
  return before;
}

function threadsFor(blas: NativeBlas, work: number): void {
  const want = work >= threadsMinWork ? maxThreads : 1;
  if (want !== threadsNow) {
    blas.setThreads(want);
    threadsNow = want;
  }
}

/**
 * The native route for one float64 product of m·n·k multiply-adds, or null
 * when the host loops should do it (small, or no add-on). The returned
 * gemm runs on the thread count this size calls for.
 */
export function nativeGemmFor(m: number, n: number, k: number): NativeBlas | null {
  const work = m * n * k;
  if (work < minWork) return null;
  const blas = nativeBlas();
  if (blas) threadsFor(blas, work);
  return blas;
}

/**
 * The native kernels for a dense stack whose largest layer product has
 * `largestWork` multiply-adds when it is to run in float32 (at least
 * FLOAT32_ROUTE_MIN_WORK and the add-on loaded), else null.
 */
export function float32RouteFor(largestWork: number): NativeBlas | null {
  return largestWork >= float32MinWork ? nativeBlas() : null;
}

/** Set the thread count for one product of m·n·k multiply-adds on the route's kernels. */
export function threadsForProduct(blas: NativeBlas, m: number, n: number, k: number): NativeBlas {
  threadsFor(blas, m * n * k);
  return blas;
}

/**
 * Elements from which tanh goes to the add-on's vector tanh (about 4.4 ns an
 * element against 14 for Math.tanh, measured on 2¹⁶; the call costs ~0.1 µs).
 */
export const NATIVE_TANH_MIN_LENGTH = 64;

/** The native route for tanh over n elements, or null (short, or no add-on). */
export function nativeTanhFor(n: number): NativeBlas | null {
  return n >= NATIVE_TANH_MIN_LENGTH ? nativeBlas() : null;
}

/** Whether large dense work has a native route in this process now. */
export function nativeAvailable(): boolean {
  return nativeBlas() !== null;
}
