/**
 * The `gradients` suite: the memory-time-accuracy frontier of the gradient
 * strategies (backprop, checkpoint at three budgets, the continuous adjoint
 * with rk4 backwards and with dopri5 with and without the seminorm, and the
 * symplectic adjoint), at 100, 1,000 and 10,000 rk4 steps (`--quick`: 100
 * and 1,000), on three workloads (gradients-child.ts): an MLP neural ODE
 * (2-32-2, a batch of 16, over [0, 1]), Lorenz's field plus an MLP (3-32-3,
 * over [0, 1]: chaotic and dissipative, where the adjoint's backward re-solve
 * of the state is unstable), and an LNN (4-32-32-1) on double-pendulum
 * states (tensors, no float64 path: its error is against backprop's float32
 * gradient; backprop, checkpoint 32, adjoint rk4 and the symplectic adjoint,
 * up to 1,000 steps). Each measurement runs in a fresh process.
 *
 * Memory is what the strategy holds: tfjs's peak bytes plus the host memory
 * kept (post-GC heap and array buffers, sampled during the first gradient),
 * and the process's peak-RSS growth beside it. The error is against the float64
 * exact gradient of the same discrete solve (the LNN's: backprop's). torchdiffeq's backprop and
 * adjoint on the neural ODE are the peers when PyTorch imports
 * (scripts/bench/gradients_torch.py, one thread). The figure (not in --quick)
 * goes to docs/gradients-frontier.svg.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { figure, type ChartSpec, type Series } from '../../core/eval/plot/index.ts';
import { runNodeChild } from './child.ts';
import { RESULT_MARKER, type GradientsJob, type GradientsOutcome } from './gradients-job.ts';
import type { BenchOptions, Json, Row, Suite, SuiteResult } from './index.ts';
import { loadAverageNote } from './load-note.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const CHILD = path.join(HERE, 'gradients-child.ts');
const PEER = path.join(HERE, 'gradients_torch.py');
const PYTHON = '/usr/bin/python3';
const IMAGE = path.join(ROOT, 'docs', 'gradients-frontier.svg');

const FULL_STEPS = [100, 1_000, 10_000] as const;
const QUICK_STEPS = [100, 1_000] as const;
const WORK = { span: 1, hidden: 32, batch: 16, seed: 20240601 } as const;
const WORKLOADS = ['neural-ode', 'lorenz', 'lnn'] as const;
/** The LNN's backprop on the tfjs tape holds ~64 MiB per 100 steps (and takes ~1 s): 10,000 steps would need ~6 GiB. */
const LNN_MAX_STEPS = 1_000;
const LNN_VARIANTS = ['backprop', 'checkpoint 32', 'adjoint rk4', 'symplectic-adjoint'];

interface Variant {
  label: string;
  strategy: string;
  options: Record<string, unknown>;
}

const DOPRI5 = { method: 'dopri5', rtol: 1e-6, atol: 1e-8 };
const VARIANTS: readonly Variant[] = [
  { label: 'backprop', strategy: 'backprop', options: {} },
  { label: 'checkpoint 8', strategy: 'checkpoint', options: { checkpoints: 8 } },
  { label: 'checkpoint 32', strategy: 'checkpoint', options: { checkpoints: 32 } },
  { label: 'checkpoint 128', strategy: 'checkpoint', options: { checkpoints: 128 } },
  { label: 'adjoint rk4', strategy: 'adjoint', options: {} },
  { label: 'adjoint dopri5 seminorm', strategy: 'adjoint', options: { ...DOPRI5, seminorm: true } },
  { label: 'adjoint dopri5 full norm', strategy: 'adjoint', options: { ...DOPRI5, seminorm: false } },
  { label: 'symplectic-adjoint', strategy: 'symplectic-adjoint', options: {} },
];

interface Point {
  workload: string;
  label: string;
  steps: number;
  o: GradientsOutcome | null;
  why?: string;
}

interface PeerOutcome {
  wallMs: number;
  rssGrowthKiB: number;
  maxRssKiB: number;
  error: number;
  torch: string;
  threads: number;
}

const held = (o: GradientsOutcome) => (o.hostKeptBytes ?? 0) + Math.max(0, o.tfjsPeakBytes);
const sci = (x: number | null) => (x === null || !Number.isFinite(x) ? 'NaN (diverged)' : x.toExponential(1));
const kib = (b: number) => Number((b / 1024).toFixed(1));

function runChild(job: GradientsJob): Promise<GradientsOutcome> {
  return runNodeChild<GradientsOutcome>({
    args: ['--expose-gc', '--import', 'tsx', CHILD, JSON.stringify(job)],
    marker: RESULT_MARKER,
    label: `gradients child ${job.workload} ${job.strategy} ${job.steps} steps`,
    timeoutMs: 15 * 60_000,
    cwd: ROOT,
  });
}

function peersDir(): string | null {
  const dir = process.env.ODELAB_PEERS_DIR ?? path.resolve(ROOT, '..', 'shared', 'peers');
  if (!existsSync(path.join(dir, 'torchdiffeq')) || !existsSync(PYTHON)) return null;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0 ? dir : null;
}

function runPeer(dir: string, strategy: string, steps: number, reps: number): Promise<PeerOutcome | null> {
  return new Promise((resolve) => {
    const child = spawn(PYTHON, [PEER, strategy, String(steps), String(WORK.hidden), String(WORK.batch), String(reps), '1'], {
      env: { ...process.env, PYTHONPATH: dir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith('GRADIENTS_PEER '));
      resolve(line ? (JSON.parse(line.slice('GRADIENTS_PEER '.length)) as PeerOutcome) : null);
    });
  });
}

function rowOf(p: Point, base: GradientsOutcome | null): Row {
  const o = p.o;
  return {
    workload: p.workload,
    steps: p.steps,
    gradient: p.label,
    'ms/gradient': o ? Math.round(o.wallMs) : null,
    'time/backprop': o && base ? Number((o.wallMs / base.wallMs).toFixed(2)) : null,
    'held KiB': o ? kib(held(o)) : null,
    'memory/backprop': o && base ? Number((held(o) / held(base)).toFixed(3)) : null,
    'snapshots KiB': o?.snapshotBytes != null ? kib(o.snapshotBytes) : null,
    'RSS growth MiB': o ? Number((o.rssGrowthKiB / 1024).toFixed(1)) : null,
    'nfe fwd+bwd': o ? `${o.forwardNfe}+${o.backwardNfe ?? '-'}` : null,
    'rel. error': o ? (p.workload === 'lnn' && p.label === 'backprop' ? 'reference' : sci(o.error)) : (p.why ?? null),
  };
}

/** Memory against time per workload, a series per strategy (its points: the step counts), named with its worst error. */
export function frontierFigure(points: readonly Point[]): Uint8Array {
  const titles: Record<(typeof WORKLOADS)[number], string> = {
    'neural-ode': 'neural ODE (MLP 2-32-2, batch 16)',
    lorenz: 'Lorenz + MLP (chaotic, dissipative)',
    lnn: 'LNN on double-pendulum states (error vs backprop)',
  };
  const panels: ChartSpec[] = WORKLOADS.map((w) => ({
    title: titles[w],
    xLabel: 'time per gradient',
    xUnit: 'ms',
    yLabel: 'memory held',
    yUnit: 'KiB',
    logX: true,
    logY: true,
    series: VARIANTS.flatMap((v, i): Series[] => {
      const mine = points.filter((p) => p.workload === w && p.label === v.label && p.o);
      if (mine.length === 0) return [];
      const worst = mine.reduce((acc, p) => (Number.isFinite(p.o!.error) && p.o!.error !== null ? Math.max(acc, p.o!.error) : Infinity), 0);
      return [
        {
          name: w === 'lnn' && v.label === 'backprop' ? 'backprop · the reference' : `${v.label} · err ${sci(worst)}`,
          x: mine.map((p) => p.o!.wallMs),
          y: mine.map((p) => held(p.o!) / 1024),
          style: 'line+points',
          dashed: v.strategy === 'adjoint',
          color: `C${i % 10}`,
        },
      ];
    }),
  }));
  return figure({ panels, columns: 3, panelWidth: 640, panelHeight: 460, title: 'gradient strategies: memory vs time at 100, 1,000, 10,000 rk4 steps (legend: worst relative error)' });
}

function targets(points: readonly Point[], steps: number): { [key: string]: Json } {
  const at = (w: string, label: string) => points.find((p) => p.workload === w && p.steps === steps && p.label === label)?.o ?? null;
  const out: { [key: string]: Json } = {};
  for (const w of WORKLOADS) {
    const base = at(w, 'backprop');
    if (w === 'lnn') continue; // not at the steps of the targets
    if (!base) continue;
    const ratio = (o: GradientsOutcome | null) => (o ? { memory: Number((held(o) / held(base)).toFixed(4)), time: Number((o.wallMs / base.wallMs).toFixed(2)), error: o.error } : null);
    const checkpoints = VARIANTS.filter((v) => v.strategy === 'checkpoint').map((v) => ({ label: v.label, ...ratio(at(w, v.label))! }));
    const sa = ratio(at(w, 'symplectic-adjoint'));
    // Checkpointing at the memory closest to the symplectic adjoint's.
    const peer = sa ? [...checkpoints].sort((a, b) => Math.abs(Math.log(a.memory / sa.memory)) - Math.abs(Math.log(b.memory / sa.memory)))[0]! : null;
    out[w] = {
      checkpoint: checkpoints,
      checkpointMet: checkpoints.some((c) => c.memory <= 0.05 && c.time <= 3),
      symplecticAdjoint: sa,
      symplecticMet: sa !== null && sa.memory <= 0.1 && sa.time <= 2 && peer !== null && sa.time < peer.time,
      checkpointNearestInMemory: peer,
      adjointErrors: VARIANTS.filter((v) => v.strategy === 'adjoint').map((v) => ({ label: v.label, error: at(w, v.label)?.error ?? null })),
    };
  }
  return out;
}

async function run(options: BenchOptions): Promise<SuiteResult> {
  const loadBefore = os.loadavg()[0]!;
  const stepCounts = options.quick ? QUICK_STEPS : FULL_STEPS;
  const points: Point[] = [];
  for (const workload of WORKLOADS) {
    for (const steps of stepCounts) {
      if (workload === 'lnn' && steps > LNN_MAX_STEPS) continue;
      for (const v of VARIANTS) {
        if (workload === 'lnn' && !LNN_VARIANTS.includes(v.label)) continue;
        options.log(`gradients: ${workload} ${steps} steps ${v.label}`);
        const job: GradientsJob = { workload, strategy: v.strategy, options: v.options, steps, ...WORK, reps: options.quick ? 1 : steps >= 10_000 ? 1 : 3 };
        try {
          points.push({ workload, label: v.label, steps, o: await runChild(job) });
        } catch (e) {
          points.push({ workload, label: v.label, steps, o: null, why: (e as Error).message.split('\n')[0]! });
        }
      }
    }
  }
  const rows = points.map((p) => rowOf(p, points.find((q) => q.workload === p.workload && q.steps === p.steps && q.label === 'backprop')?.o ?? null));
  const notes: string[] = [];
  const dir = peersDir();
  const peerRows: Row[] = [];
  if (dir) {
    for (const steps of stepCounts) {
      for (const strategy of ['backprop', 'adjoint']) {
        options.log(`gradients: torchdiffeq ${strategy} ${steps} steps`);
        const p = await runPeer(dir, strategy, steps, options.quick || steps >= 10_000 ? 1 : 3);
        const mine = points.find((q) => q.workload === 'neural-ode' && q.steps === steps && q.label === (strategy === 'backprop' ? 'backprop' : 'adjoint rk4'))?.o;
        peerRows.push({
          steps,
          gradient: `torchdiffeq ${strategy}`,
          'ms/gradient': p ? Math.round(p.wallMs) : null,
          'odelab ms (same strategy)': mine ? Math.round(mine.wallMs) : null,
          'RSS growth MiB': p ? Number((p.rssGrowthKiB / 1024).toFixed(1)) : null,
          'rel. error': p ? sci(p.error) : 'failed',
        });
        if (p) notes.push(`torchdiffeq peer: PyTorch ${p.torch}, ${p.threads} thread; its error is against its own float64 backprop`);
      }
    }
  } else notes.push('PyTorch or torchdiffeq not available: no peer rows');
  let image: string | null = null;
  if (!options.quick) {
    writeFileSync(IMAGE, frontierFigure(points));
    image = 'docs/gradients-frontier.svg';
  }
  notes.push(loadAverageNote(loadBefore));
  const summary: { [key: string]: Json } = { targetsAt: stepCounts[stepCounts.length - 1]!, targets: targets(points, stepCounts[stepCounts.length - 1]!), image };
  return {
    tables: [
      { title: 'Gradient strategies: memory, time and error per gradient (rk4, fixed steps)', rows },
      ...(peerRows.length ? [{ title: 'torchdiffeq on the neural ODE (one thread)', rows: peerRows }] : []),
    ],
    summary,
    notes: [...new Set(notes)],
  };
}

export const gradientsSuite: Suite = {
  name: 'gradients',
  description: 'memory-time-accuracy frontier of backprop, checkpoint, adjoint and symplectic adjoint at 100-10,000 steps',
  run,
};
