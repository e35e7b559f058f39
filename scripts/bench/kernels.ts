/**
 * The `kernels` suite: one matrix product C [m, n] = A [m, k] · B [k, n] by
 * each route the kernel layer (core/tensor/kernels.ts) can take, by size:
 *
 *   loops     the float64 host loops of dense-stack-host.ts (the small route)
 *   dgemm·1   OpenBLAS dgemm through native/blas, one thread
 *   dgemm·N   the same on N threads (N = the cores; the kernel layer uses 1 unless ODELAB_KERNEL_THREADS)
 *   sgemm·1/N float32 OpenBLAS, for the float64-vs-float32 decision
 *   wasm      tfjs-wasm's matMul (XNNPACK, float32), tensors in and out, the
 *             fallback for large work when the add-on is absent
 *
 * The shapes are the MLP layer products of the four sizes (batch ×
 * in × out, forward; the backward products have the same multiply-adds)
 * and a ladder of squares around the crossovers. Each cell is the best of
 * several timed batches (a shared machine: the best is the least disturbed),
 * in µs per product, and GFLOP/s (2mnk). The summary gives the first size
 * at which dgemm beats the loops and at which N threads beat one: the
 * thresholds NATIVE_GEMM_MIN_WORK and NATIVE_THREADS_MIN_WORK cite it.
 */
import { initBackend, tf } from 'odelab';
import { matmulLoops } from '../../core/tensor/dense-stack-host.ts';
import { nativeBlas, NATIVE_GEMM_MIN_WORK, NATIVE_THREADS_MIN_WORK, type NativeBlas } from '../../core/tensor/kernels.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';
import os from 'node:os';

type Shape = [m: number, k: number, n: number];

const LAYER_SHAPES: Shape[] = [
  [20, 3, 50],
  [20, 50, 2],
  [256, 3, 256],
  [256, 256, 256],
  [256, 256, 2],
  [512, 17, 512],
  [512, 512, 512],
  [512, 512, 16],
  [1024, 65, 1024],
  [1024, 1024, 1024],
  [1024, 1024, 64],
];
const SQUARES = [8, 16, 24, 32, 48, 64, 96, 128, 192, 256];

function random(n: number, seed: number): Float64Array {
  const a = new Float64Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    a[i] = s / 2147483648 - 0.5;
  }
  return a;
}

/** Best µs per call of `f` over `batches` batches of ≥ `minMs` each. */
function time(f: () => void, minMs: number, batches: number): number {
  f();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    const dt = performance.now() - t0;
    if (dt >= minMs / 4) {
      reps = Math.max(1, Math.ceil((reps * minMs) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 4;
  }
  let best = Infinity;
  for (let b = 0; b < batches; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    best = Math.min(best, ((performance.now() - t0) * 1000) / reps);
  }
  return best;
}

export const kernelsSuite: Suite = {
  name: 'kernels',
  description: 'one matrix product by size: host loops vs OpenBLAS dgemm/sgemm (1 and N threads) vs tfjs-wasm matMul; the kernel layer crossovers',
  async run({ quick, log }: BenchOptions): Promise<SuiteResult> {
    const load0 = os.loadavg()[0]!;
    const minMs = quick ? 5 : 40;
    const batches = quick ? 2 : 5;
    await initBackend('wasm');
    let blas: NativeBlas | null = null;
    try {
      blas = nativeBlas();
    } catch {
      blas = null;
    }
    // N: every core (OpenBLAS's own default), whatever the kernel layer's ODELAB_KERNEL_THREADS.
    const threads = blas ? os.cpus().length : 0;
    const shapes: Shape[] = [...SQUARES.map((s): Shape => [s, s, s]), ...LAYER_SHAPES];
    const rows: Row[] = [];
    const records: Json[] = [];
    for (const [m, k, n] of shapes) {
      log(`kernels: ${m}×${k}×${n}`);
      const a = random(m * k, 1), b = random(k * n, 2), c = new Float64Array(m * n);
      const a32 = Float32Array.from(a), b32 = Float32Array.from(b), c32 = new Float32Array(m * n);
      const flops = 2 * m * n * k;
      const cell: Record<string, number | null> = {};
      // The loops cost ~1 ns per multiply-add: skip them where one call would take seconds in total.
      cell.loops = m * n * k <= 300_000_000 ? time(() => matmulLoops(a, b, false, m, k, n, c), minMs, batches) : null;
      for (const [name, t] of [
        ['dgemm1', 1],
        [`dgemmN`, threads],
        ['sgemm1', 1],
        ['sgemmN', threads],
      ] as const) {
        if (!blas) {
          cell[name] = null;
          continue;
        }
        blas.setThreads(t);
        cell[name] = name.startsWith('d')
          ? time(() => blas!.gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n), minMs, batches)
          : time(() => blas!.gemm(false, false, m, n, k, 1, a32, k, b32, n, 0, c32, n), minMs, batches);
      }
      if (blas) blas.setThreads(1);
      const ta = tf.tensor2d(a32, [m, k]), tb = tf.tensor2d(b32, [k, n]);
      cell.wasm = time(() => tf.tidy(() => void tf.matMul(ta, tb).dataSync()), minMs, batches);
      tf.dispose([ta, tb]);
      const fmt = (us: number | null) => (us === null ? '—' : us < 100 ? us.toFixed(2) : us.toFixed(0));
      const gf = (us: number | null) => (us === null ? '—' : (flops / us / 1000).toFixed(1));
      const row: Row = { 'm×k×n': `${m}×${k}×${n}`, 'mult-adds': m * k * n };
      for (const key of Object.keys(cell)) row[`${key} µs`] = fmt(cell[key]!);
      for (const key of ['loops', 'dgemmN', 'sgemmN', 'wasm']) row[`${key} GF/s`] = gf(cell[key]!);
      rows.push(row);
      records.push({ m, k, n, ...cell });
    }
    // Crossovers on the squares ladder: the first size from which a route stays ahead.
    const from = (better: (r: Record<string, number | null>) => boolean): number | null => {
      const squares = records.slice(0, SQUARES.length) as unknown as Record<string, number | null>[];
      let first: number | null = null;
      for (let i = squares.length - 1; i >= 0; i--) {
        if (better(squares[i]!)) first = SQUARES[i]! ** 3;
        else break;
      }
      return first;
    };
    const nativeBeatsLoops = blas ? from((r) => r.dgemm1! < r.loops!) : null;
    const threadsPay = blas && threads > 1 ? from((r) => r.dgemmN! < r.dgemm1!) : null;
    const wasmBeatsLoops = from((r) => r.wasm! < r.loops!);
    return {
      tables: [{ title: `one product C = A·B, best µs per call (${new Date().toISOString().slice(0, 10)}; OpenBLAS threads N = ${threads || 'absent'})`, rows }],
      summary: {
        native: blas ? blas.config() : null,
        threads,
        native_beats_loops_from_mult_adds: nativeBeatsLoops,
        threads_pay_from_mult_adds: threadsPay,
        wasm_beats_loops_from_mult_adds: wasmBeatsLoops,
        chosen: { NATIVE_GEMM_MIN_WORK, NATIVE_THREADS_MIN_WORK },
        results: records,
      },
      notes: [
        blas ? `native: ${blas.config()}` : 'native add-on absent (npm run build:kernels; needs libopenblas-dev): only loops and wasm timed',
        'mult-adds = m·k·n; GF/s = 2mnk / time. wasm includes its tensor creation-free call and the output read (dataSync), as the tape would pay.',
        `crossovers on the squares: dgemm beats the loops from ${nativeBeatsLoops ?? '—'} mult-adds, ${threads} threads beat one from ${threadsPay ?? '—'}, wasm beats the loops from ${wasmBeatsLoops ?? '—'}`,
        loadAverageNote(load0),
      ],
    };
  },
};
