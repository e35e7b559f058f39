/**
 * The `scale` suite (issue 18, item 2): odelab's training step against a
 * PyTorch peer measured in the same run, from toy to large sizes.
 *
 * (a) one neural-ODE training step (scale-node.ts: `mlp` plugin field,
 *     tanh; rk4 with step 0.1 over [0, 1], 10 output times; MSE against a
 *     fixed random target; Adam; backprop, and the adjoint at one large
 *     size; wasm) at D/hidden/B = 2/[50]/20, 2/[256,256]/256,
 *     16/[512,512]/512, 64/[1024,1024]/1024 and 16/[256,256,256,256]/256,
 *     vs neural_ode_torch.py (the same solve: 2 rk4 steps per output interval);
 * (b) the LNN training step (the lnn suite's `measure`) at 128×2 and 600×3,
 *     batch 256, vs lnn_torch.py;
 * (c) the torchdiffeq spiral demo written with the public odeint /
 *     odeintAdjoint (scale-spiral.ts), vs node_spiral_torch.py.
 *
 * Every odelab row runs in its own child process (scale-child.ts), so its
 * peak RSS is its own; every peer runs under /usr/bin/time for its peak RSS.
 * Each process is bounded: a step slower than the budget
 * (ODELAB_BENCH_SCALE_BUDGET_S, default 60 s) or a process tree above the
 * memory cap (ODELAB_BENCH_SCALE_MAX_RSS_GIB, default 8) is reported as not
 * finished. The peers are looked for in `shared/peers` beside the checkout
 * (or ODELAB_PEERS_DIR); without them, or without PyTorch, odelab's figures
 * are printed alone with a note. `--quick`: the two smallest neural-ODE
 * sizes, the small LNN and a short spiral.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';
import {
  gflops,
  lnnStepFlops,
  mlpForwardFlops,
  NODE_WORK,
  nodeWidths,
  outputTimes,
  peerIterations,
  ratio,
  rk4Evaluations,
  SCALE_MARKER,
  sizeLabel,
  stepFlops,
  verdict,
  type NodeSize,
  type ScaleJob,
  type ScaleOutcome,
} from './scale-job.ts';
import { runBounded } from './scale-process.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHILD = path.join(HERE, 'scale-child.ts');
const PYTHON = '/usr/bin/python3';
const TIME = '/usr/bin/time';

const NODE_SIZES: NodeSize[] = [
  { D: 2, hidden: [50], B: 20 },
  { D: 2, hidden: [256, 256], B: 256 },
  { D: 16, hidden: [512, 512], B: 512 },
  { D: 64, hidden: [1024, 1024], B: 1024 },
  { D: 16, hidden: [256, 256, 256, 256], B: 256 },
];
/** The size whose adjoint row is also measured. */
const ADJOINT_SIZE = 2;
const LNN_SIZES = [
  { width: 128, layers: 2, batch: 256, warmup: 100, iterations: 100, peerSteps: 50 },
  { width: 600, layers: 3, batch: 256, warmup: 3, iterations: 10, peerSteps: 10 },
];
const SPIRAL_ITERATIONS = { full: 200, quick: 30 };
/** The issue's targets: odelab / PyTorch time. */
const TARGET = { node: 1.0, nodeSmallest: 0.5, lnn: 0.5, spiral: 0.5, largestRss: 2.0 };
/** Seconds a process may take to start (tsx, tfjs, torch imports) on top of its steps. */
const STARTUP_S = 30;

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return process.env[name] && Number.isFinite(v) && v > 0 ? v : fallback;
}

interface Bounds {
  budgetS: number;
  maxRssKiB: number;
}

/** A measurement, or why there is none. */
type Outcome<T> = { ok: true; value: T } | { ok: false; why: string };

interface PeerResult {
  json: Record<string, Json>;
  peakRssKiB: number | null;
  cpuPercent: number | null;
}

const MiB = (kib: number | null): number | null => (kib === null ? null : round(kib / 1024, 0));
const round = (x: number | null, digits = 2): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));

function failure(why: { killed: 'time' | 'memory' | null; code: number | null; stderr: string; polledPeakKiB: number }, b: Bounds, limitS: number): string {
  const rss = why.polledPeakKiB > 0 ? `, RSS had reached ${(why.polledPeakKiB / 1024).toFixed(0)} MiB` : '';
  if (why.killed === 'time') return `did not finish within ${b.budgetS} s/step (killed at ${limitS} s${rss})`;
  if (why.killed === 'memory') return `exceeded the ${+(b.maxRssKiB / 2 ** 20).toFixed(2)} GiB memory cap (killed)`;
  const last = why.stderr.trim().split('\n').slice(-1)[0] ?? '';
  return `failed (exit ${why.code}): ${last.slice(0, 120)}`;
}

async function runOdelab(job: ScaleJob, b: Bounds, log: (m: string) => void): Promise<Outcome<ScaleOutcome>> {
  const limitS = Math.round(STARTUP_S + 2.5 * b.budgetS);
  const r = await runBounded(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], {
    timeoutMs: limitS * 1000,
    maxRssKiB: b.maxRssKiB,
    cwd: ROOT,
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${SCALE_MARKER} `));
  if (r.code !== 0 || !line) {
    const why = failure(r, b, limitS);
    log(`  odelab: ${why}`);
    return { ok: false, why };
  }
  const o = JSON.parse(line.slice(SCALE_MARKER.length + 1)) as ScaleOutcome;
  if (o.kernels) kernelsSeen.add(o.kernels);
  if (o.overBudgetMs !== null) return { ok: false, why: `did not finish within ${b.budgetS} s/step (a step took ${(o.overBudgetMs / 1000).toFixed(0)} s)` };
  return { ok: true, value: o };
}

async function runPeer(script: string, args: string[], peers: string, b: Bounds, log: (m: string) => void): Promise<Outcome<PeerResult>> {
  const limitS = Math.round(STARTUP_S + 3.5 * b.budgetS);
  const timed = existsSync(TIME);
  const command = timed ? TIME : PYTHON;
  const full = [...(timed ? ['-f', 'SCALE_PEER_USAGE %M %P', PYTHON] : []), path.join(peers, script), ...args];
  const r = await runBounded(command, full, {
    timeoutMs: limitS * 1000,
    maxRssKiB: b.maxRssKiB,
    env: { ...process.env, PYTHONPATH: peers, OMP_NUM_THREADS: '1' },
  });
  const line = r.stdout.split('\n').find((l) => l.trim().startsWith('{'));
  if (r.code !== 0 || !line) {
    const why = failure(r, b, limitS);
    log(`  peer: ${why}`);
    return { ok: false, why };
  }
  const usage = /SCALE_PEER_USAGE (\d+) (\d+)%/.exec(r.stderr);
  return {
    ok: true,
    value: {
      json: JSON.parse(line) as Record<string, Json>,
      peakRssKiB: usage ? Number(usage[1]) : r.polledPeakKiB || null,
      cpuPercent: usage ? Number(usage[2]) : null,
    },
  };
}

/** Where the peers are, and whether PyTorch (and torchdiffeq) import; null with the reason when not usable. */
function findPeers(): { dir: string | null; note: string } {
  const dir = process.env.ODELAB_PEERS_DIR ?? path.resolve(ROOT, '..', 'shared', 'peers');
  if (!existsSync(path.join(dir, 'neural_ode_torch.py'))) {
    return { dir: null, note: `PyTorch peer not found (looked in ${dir}): odelab's figures alone, no ratios` };
  }
  const probe = existsSync(PYTHON) ? spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }) : null;
  if (!probe || probe.status !== 0) {
    return { dir: null, note: `PyTorch not importable by ${PYTHON} (apt-get install python3-torch): odelab's figures alone, no ratios` };
  }
  return { dir, note: `PyTorch ${probe.stdout.trim()} peers from ${dir}, one thread (THREADS/--threads 1), each under ${existsSync(TIME) ? TIME : 'polled /proc'} for its peak RSS` };
}

/** The kernel descriptions the odelab children reported. */
const kernelsSeen = new Set<string>();

async function run(options: BenchOptions): Promise<SuiteResult> {
  const loadBefore = os.loadavg()[0]!;
  const b: Bounds = {
    budgetS: envNumber('ODELAB_BENCH_SCALE_BUDGET_S', 60),
    maxRssKiB: Math.round(envNumber('ODELAB_BENCH_SCALE_MAX_RSS_GIB', 8) * 2 ** 20),
  };
  const peers = findPeers();
  options.log(`scale: ${peers.note}`);
  const sizes = options.quick ? NODE_SIZES.slice(0, 2) : NODE_SIZES;
  const log = options.log;
  const times = outputTimes(NODE_WORK.times, NODE_WORK.span);
  const evals = rk4Evaluations(times, NODE_WORK.step);
  const summary: { [key: string]: Json } = {};

  // (a) the neural-ODE training step
  const nodeRows: Row[] = [];
  const nodeJson: Json[] = [];
  let largestRss: { odelab: number | null; peer: number | null } = { odelab: null, peer: null };
  for (const [i, size] of sizes.entries()) {
    const perEval = mlpForwardFlops(nodeWidths(size), size.B);
    const peerFlops = stepFlops(perEval, evals, null);
    let peer: Outcome<PeerResult> = { ok: false, why: 'not run' };
    if (peers.dir) {
      const iters = peerIterations(peerFlops, Math.min(b.budgetS / 3, 15), 100);
      log(`scale: torch ${sizeLabel(size)}, ${iters} iterations`);
      const args = [size.D, size.hidden[0]!, size.hidden.length, size.B, Math.round(NODE_WORK.span / NODE_WORK.step), NODE_WORK.times, iters, 1];
      peer = await runPeer('neural_ode_torch.py', args.map(String), peers.dir, b, log);
    }
    for (const gradient of i === ADJOINT_SIZE ? (['backprop', 'adjoint'] as const) : (['backprop'] as const)) {
      log(`scale: odelab ${sizeLabel(size)} ${gradient}`);
      const o = await runOdelab({ kind: 'node', size, gradient, iterations: 100, warmup: 20, budgetMs: b.budgetS * 1000 }, b, log);
      const ms = o.ok ? o.value.medianMs : null;
      const flops = o.ok ? stepFlops(perEval, o.value.nfeForward ?? evals, o.value.nfeBackward) : null;
      const peerMs = peer.ok ? Number(peer.value.json.median_ms) : null;
      const r = ratio(ms, peerMs);
      const target = i === 0 ? TARGET.nodeSmallest : TARGET.node;
      const rssRatio = ratio(o.ok ? o.value.maxRssKiB : null, peer.ok ? peer.value.peakRssKiB : null);
      if (i === 3 && gradient === 'backprop') largestRss = { odelab: o.ok ? o.value.maxRssKiB : null, peer: peer.ok ? peer.value.peakRssKiB : null };
      nodeRows.push({
        'D/hidden/B': sizeLabel(size),
        gradient,
        'odelab ms/step': o.ok ? round(ms!, 1) : o.why,
        'odelab GFLOP/s': o.ok ? round(gflops(flops!, ms!), 2) : null,
        'odelab peak RSS MiB': o.ok ? MiB(o.value.maxRssKiB) : null,
        'odelab cores': o.ok ? round(o.value.coresUsed, 2) : null,
        'torch ms/step': peer.ok ? round(peerMs!, 1) : peers.dir ? peer.why : 'n/a',
        'torch GFLOP/s': peer.ok ? round(gflops(peerFlops, peerMs!), 2) : null,
        'torch peak RSS MiB': peer.ok ? MiB(peer.value.peakRssKiB) : null,
        'odelab/torch': round(r, 2),
        target: `<= ${target.toFixed(1)}x${gradient === 'adjoint' ? ' (vs torch backprop)' : ''}`,
        verdict: o.ok ? verdict(r, target) : peers.dir ? 'NOT met (did not finish)' : 'n/a',
        'RSS odelab/torch': round(rssRatio, 2),
      });
      nodeJson.push({
        size: { D: size.D, hidden: size.hidden, B: size.B },
        gradient,
        odelab: o.ok ? ({ ...o.value, flopsPerStep: flops } as unknown as Json) : { notFinished: o.why },
        torch: peer.ok ? ({ ...peer.value.json, peakRssKiB: peer.value.peakRssKiB, cpuPercent: peer.value.cpuPercent, flopsPerStep: peerFlops } as Json) : { notMeasured: peer.why },
        ratio: r,
        target,
      });
    }
  }
  summary.node = nodeJson;

  // (b) the LNN training step
  const lnnRows: Row[] = [];
  const lnnJson: Json[] = [];
  for (const s of options.quick ? LNN_SIZES.slice(0, 1) : LNN_SIZES) {
    const label = `${s.width}x${s.layers}`;
    let peer: Outcome<PeerResult> = { ok: false, why: 'not run' };
    if (peers.dir) {
      log(`scale: torch lnn ${label}`);
      const args = ['--width', s.width, '--layers', s.layers, '--batch', s.batch, '--steps', s.peerSteps, '--threads', 1];
      peer = await runPeer('lnn_torch.py', args.map(String), peers.dir, b, log);
    }
    log(`scale: odelab lnn ${label}`);
    const o = await runOdelab({ kind: 'lnn', width: s.width, layers: s.layers, batch: s.batch, iterations: s.iterations, warmup: s.warmup }, b, log);
    const flops = lnnStepFlops(s.width, s.layers, s.batch);
    const ms = o.ok ? o.value.medianMs : null;
    const peerMs = peer.ok ? Number(peer.value.json.ms_per_step) : null;
    const r = ratio(ms, peerMs);
    lnnRows.push({
      'width x layers': label,
      batch: s.batch,
      'odelab ms/step': o.ok ? round(ms!, 1) : o.why,
      'odelab GFLOP/s': o.ok ? round(gflops(flops, ms!), 2) : null,
      'odelab peak RSS MiB': o.ok ? MiB(o.value.maxRssKiB) : null,
      'odelab cores': o.ok ? round(o.value.coresUsed, 2) : null,
      'torch ms/step': peer.ok ? round(peerMs!, 1) : peers.dir ? peer.why : 'n/a',
      'torch GFLOP/s': peer.ok ? round(gflops(flops, peerMs!), 2) : null,
      'torch peak RSS MiB': peer.ok ? MiB(peer.value.peakRssKiB) : null,
      'odelab/torch': round(r, 2),
      target: `<= ${TARGET.lnn.toFixed(1)}x`,
      verdict: o.ok ? verdict(r, TARGET.lnn) : peers.dir ? 'NOT met (did not finish)' : 'n/a',
    });
    lnnJson.push({
      width: s.width,
      layers: s.layers,
      batch: s.batch,
      flopsPerStep: flops,
      odelab: o.ok ? (o.value as unknown as Json) : { notFinished: o.why },
      torch: peer.ok ? ({ ...peer.value.json, peakRssKiB: peer.value.peakRssKiB } as Json) : { notMeasured: peer.why },
      ratio: r,
    });
  }
  summary.lnn = lnnJson;

  // (c) the spiral demo through the public odeint / odeintAdjoint
  const spiralRows: Row[] = [];
  const spiralJson: Json[] = [];
  const iterations = options.quick ? SPIRAL_ITERATIONS.quick : SPIRAL_ITERATIONS.full;
  const spiralPerEval = mlpForwardFlops([2, 50, 2], 20);
  for (const adjoint of [false, true]) {
    const gradient = adjoint ? 'odeintAdjoint' : 'odeint (backprop)';
    let peer: Outcome<PeerResult> = { ok: false, why: 'not run' };
    if (peers.dir) {
      if (!existsSync(path.join(peers.dir, 'torchdiffeq'))) peer = { ok: false, why: 'torchdiffeq not found beside the peers' };
      else {
        log(`scale: torchdiffeq spiral ${gradient}, ${iterations} iterations`);
        const args = ['--niters', String(iterations), '--threads', '1', ...(adjoint ? ['--adjoint'] : [])];
        peer = await runPeer('node_spiral_torch.py', args, peers.dir, b, log);
      }
    }
    log(`scale: odelab spiral ${gradient}`);
    const o = await runOdelab({ kind: 'spiral', adjoint, iterations, budgetMs: b.budgetS * 1000 }, b, log);
    const ms = o.ok ? o.value.medianMs : null;
    const flops = o.ok ? stepFlops(spiralPerEval, o.value.nfeForward!, o.value.nfeBackward) : null;
    const peerMs = peer.ok ? Number(peer.value.json.median_ms_per_iter) : null;
    const peerNfe = peer.ok ? Number(peer.value.json.nfe_total) / iterations : null;
    const r = ratio(ms, peerMs);
    spiralRows.push({
      gradient,
      'odelab ms/iter': o.ok ? round(ms!, 1) : o.why,
      'odelab nfe/iter': o.ok ? `${o.value.nfeForward}${o.value.nfeBackward !== null ? ` + ${o.value.nfeBackward}` : ''}` : null,
      'odelab GFLOP/s': o.ok ? round(gflops(flops!, ms!), 3) : null,
      'odelab peak RSS MiB': o.ok ? MiB(o.value.maxRssKiB) : null,
      'odelab final L1': o.ok ? round(o.value.finalL1 ?? null, 3) : null,
      'torch ms/iter': peer.ok ? round(peerMs!, 1) : peers.dir ? peer.why : 'n/a',
      'torch nfe/iter (incl. final solve)': peer.ok ? round(peerNfe, 1) : null,
      'torch peak RSS MiB': peer.ok ? MiB(peer.value.peakRssKiB) : null,
      'torch final L1': peer.ok ? round(Number(peer.value.json.final_l1_full_trajectory), 3) : null,
      'odelab/torch': round(r, 2),
      target: `<= ${TARGET.spiral.toFixed(1)}x`,
      verdict: o.ok ? verdict(r, TARGET.spiral) : peers.dir ? 'NOT met (did not finish)' : 'n/a',
    });
    spiralJson.push({
      adjoint,
      iterations,
      odelab: o.ok ? (o.value as unknown as Json) : { notFinished: o.why },
      torch: peer.ok ? ({ ...peer.value.json, peakRssKiB: peer.value.peakRssKiB } as Json) : { notMeasured: peer.why },
      ratio: r,
    });
  }
  summary.spiral = spiralJson;

  const largestRatio = ratio(largestRss.odelab, largestRss.peer);
  summary.largestRssRatio = largestRatio;
  summary.bounds = { budgetS: b.budgetS, maxRssGiB: b.maxRssKiB / 2 ** 20 };
  summary.loadavg = os.loadavg().map((x) => Number(x.toFixed(2)));
  summary.peers = peers.dir;
  summary.kernels = [...kernelsSeen];
  const largest = NODE_SIZES[3]!;
  const notes = [
    peers.note,
    `neural ODE: the work of neural_ode_torch.py: MLP D -> hidden (tanh) -> D as dx/dt = f(x), rk4 with largest step ${NODE_WORK.step} on [0, ${NODE_WORK.span}] ` +
      `with ${NODE_WORK.times} equally spaced output times hit exactly (each interval of 1/9 in 2 steps: ${evals / 4} steps, ${evals} evaluations of f), ` +
      `MSE against a fixed N(0, 1) target [T, B, D] from N(0, 1) initial states, Adam lr ${NODE_WORK.lr}; odelab through core/train/trainer.ts trainStep ` +
      `with the mlp, rk4 and gradient plugins, wasm backend; torch: one Adam step per iteration, median after 2 warm-up steps; odelab: median after ` +
      `up to 20 warm-up steps (at most a quarter of the budget), up to 100 timed steps (at most half of it)`,
    `GFLOP/s counting rule: per MLP evaluation 2·B·Σ(in·out) FLOPs forward (dense layers only: no activations, biases, RK combinations, loss or Adam), ` +
      `its backward pass 2× that; backprop: 3 × forward × nfe; adjoint: forward × (nfe forward + 3 × nfe backward) (each backward evaluation is f plus a vjp), ` +
      `so its GFLOP/s counts the work it really does; the torch column counts its own work (backprop). LNN: a nominal 3·(n+3)·2·B·Σ(in·out), n = 2 ` +
      `(value + reverse pass + n + 1 forward-mode directions of L's network, twice that for training), the same count for both sides. ` +
      `Spiral: the MLP rule on 2-50-2, batch 20, with the measured nfe`,
    `adjoint row (${sizeLabel(NODE_SIZES[ADJOINT_SIZE]!)}): its ratio is against torch's backprop step (the peer has no adjoint)`,
    `peak RSS: odelab = process.resourceUsage().maxRSS of the row's own child process (Node + tfjs wasm included, ~140 MiB at the smallest size); ` +
      `torch = ${TIME} %M of the peer's process (Python + torch included)` +
      (largestRatio !== null
        ? `; largest size ${sizeLabel(largest)}: odelab/torch peak RSS ${largestRatio.toFixed(2)}x, target <= ${TARGET.largestRss}x: ${verdict(largestRatio, TARGET.largestRss)}`
        : `; largest size ${sizeLabel(largest)}: peak RSS ratio not measured (one side did not finish or no peer)`),
    `threads: torch set to 1 thread; odelab's tfjs wasm backend is single-threaded in Node (its threaded build is browser-only); ` +
      `odelab's matrix kernels as its children reported them: ${kernelsSeen.size > 0 ? [...kernelsSeen].join('; ') : 'not reported'}; ` +
      `'odelab cores' is CPU time / wall time of the timed steps (above 1: more than one thread busy; below 1: the shared machine took the core away)`,
    `LNN: the lnn suite's measure() (accelerationBatch + accelerationStep: fresh double-pendulum states and float64 targets, L1, Adam), ` +
      `batch 256 as the peer's default; odelab = median ms after its warm-up, torch = lnn_torch.py's mean ms over its steps after 3 warm-up steps (functorch, vmap)`,
    `spiral: the demo written with odelab's public API (import from 'odelab': odeintWithStats / odeintAdjointWithStats, dopri5, rtol 1e-7, atol 1e-9, ` +
      `a user's own net(y³) in tfjs ops, RMSprop 1e-3, L1, batch 20 × 10 points), ${iterations} iterations (odelab: after 5 warm-up iterations; stops ` +
      `early at half the budget), batch drawn outside the clock on both sides; median ms/iteration; final L1 = full trajectory from [2, 0] over 1000 times; torch's nfe/iter is its nfe_total / iterations, which includes that final 1000-point solve and its dopri5 initial-step probes`,
    `bounds: a step slower than ${b.budgetS} s (ODELAB_BENCH_SCALE_BUDGET_S) or a process tree above ${(b.maxRssKiB / 2 ** 20).toFixed(0)} GiB ` +
      `(ODELAB_BENCH_SCALE_MAX_RSS_GIB) ends the row as not finished; odelab processes are killed after ${Math.round(STARTUP_S + 2.5 * b.budgetS)} s, ` +
      `peers after ${Math.round(STARTUP_S + 3.5 * b.budgetS)} s`,
    options.quick ? '--quick: the two smallest neural-ODE sizes, LNN 128x2 and a 30-iteration spiral only: a smoke check, not figures to quote' : '',
    loadAverageNote(loadBefore),
  ].filter((n) => n !== '');
  return {
    tables: [
      { title: 'neural-ODE training step (rk4, 18 steps, MSE, Adam; odelab on wasm vs PyTorch, 1 thread)', rows: nodeRows },
      { title: 'LNN training step (double pendulum, acceleration objective, L1, Adam)', rows: lnnRows },
      { title: 'spiral demo through the public odeint / odeintAdjoint vs torchdiffeq', rows: spiralRows },
    ],
    summary,
    notes,
  };
}

export const scaleSuite: Suite = {
  name: 'scale',
  description: 'odelab vs PyTorch in the same run: neural-ODE step from 2/[50]/20 to 64/[1024,1024]/1024, LNN 128x2 and 600x3, spiral via odeint',
  run,
};
