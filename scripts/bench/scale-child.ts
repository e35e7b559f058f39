/**
 * One row of the `scale` suite, run in a fresh process so that its peak RSS
 * is its own:
 *
 *   node --import tsx scripts/bench/scale-child.ts '<ScaleJob as JSON>'
 *
 * Prints one line `SCALE_RESULT <ScaleOutcome as JSON>` on stdout.
 */
import { SCALE_MARKER, type ScaleJob, type ScaleOutcome } from './scale-job.ts';

async function runJob(job: ScaleJob): Promise<ScaleOutcome> {
  if (job.kind === 'node') return (await import('./scale-node.ts')).runNodeJob(job);
  if (job.kind === 'spiral') return (await import('./scale-spiral.ts')).runSpiralJob(job);
  // The lnn suite's own timing of the training step (accelerationBatch + accelerationStep), at this size.
  const { measure } = await import('./lnn.ts');
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const m = await measure(
    { label: 'lnn', backend: 'wasm', model: 'lnn', hidden: Array.from({ length: job.layers }, () => job.width), batch: job.batch },
    job.iterations,
    job.warmup,
  );
  const cpu = process.cpuUsage(cpu0);
  return {
    medianMs: m.median,
    p10Ms: m.p10,
    p90Ms: m.p90,
    timed: job.iterations,
    nfeForward: null,
    nfeBackward: null,
    maxRssKiB: process.resourceUsage().maxRSS,
    coresUsed: (cpu.user + cpu.system) / 1000 / (performance.now() - wall0),
    backend: 'wasm',
    lastLoss: m.loss,
    overBudgetMs: null,
  };
}

/** Which matrix kernels the process used (OpenBLAS or the JavaScript/wasm ones). */
async function kernels(): Promise<string> {
  try {
    return (await import('../../core/tensor/kernels.ts')).kernelsDescription();
  } catch (e) {
    return `unknown (${e instanceof Error ? e.message : String(e)})`;
  }
}

const job = JSON.parse(process.argv[2] ?? '') as ScaleJob;
const outcome = { ...(await runJob(job)), kernels: await kernels() };
process.stdout.write(`${SCALE_MARKER} ${JSON.stringify(outcome)}\n`);
