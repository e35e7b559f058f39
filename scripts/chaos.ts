/**
 * `npm run chaos [-- --seed N --scale X --only NAME,...]`: a bounded, seeded
 * fault campaign against odelab's recovery (issue 23). It injects faults at
 * random moments (SIGKILL of `odelab run` on the file store and through the
 * spool to a local REST server, of a sweep's worker threads, of `odelab
 * worker`s, of the sweep process; the REST server and Redis killed and
 * restarted; the disk filling up on a small tmpfs), recovers as a user would
 * (`odelab sync`, `--resume`, the next run), and checks the invariants in
 * scripts/chaos/invariants.ts. The same seed gives the same fault schedule
 * (the moments are seeded; how far a process got by then depends on the machine).
 *
 * Prints a table (fault, injected, checks, violations) and writes
 * .bench/chaos.json. Exit 0 with no violation, 1 otherwise. Not part of `npm test`.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Campaign } from './chaos/campaign.ts';
import { diskFull } from './chaos/disk-full.ts';
import { fileStoreKills, restKills } from './chaos/run-kills.ts';
import { localSweepKills, queueKills } from './chaos/sweep-kills.ts';
import { ROOT } from './chaos/proc.ts';

const SCENARIOS: Record<string, (c: Campaign) => Promise<void>> = {
  'run-file': fileStoreKills,
  'run-rest': restKills,
  'sweep-local': localSweepKills,
  queue: queueKills,
  'disk-full': diskFull,
};

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(flag('seed') ?? 23);
const scale = Number(flag('scale') ?? 1);
const only = flag('only')?.split(',') ?? Object.keys(SCENARIOS);
if (!Number.isInteger(seed) || !(scale > 0) || only.some((o) => !(o in SCENARIOS))) {
  process.stderr.write(`usage: npm run chaos -- [--seed INT] [--scale X>0] [--only ${Object.keys(SCENARIOS).join(',')}]\n`);
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'odelab-chaos-'));
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const campaign = new Campaign(seed, dir, scale, log);
const errors: string[] = [];
log(`chaos campaign: seed ${seed}, scale ${scale}, scenarios ${only.join(', ')}, in ${dir}`);
for (const name of only) {
  log(`scenario ${name}`);
  const t0 = Date.now();
  try {
    await SCENARIOS[name]!(campaign);
  } catch (e) {
    // A scenario that cannot finish (a bounded wait ran out) is a violation of "every crash recovered".
    errors.push(`${name}: ${(e as Error).message}`);
    campaign.checked(`${name} (scenario)`, 1, [(e as Error).message.slice(0, 2000)]);
  }
  log(`scenario ${name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
const seconds = (Date.now() - campaign.started) / 1000;

const rows = [...campaign.rows.values()];
const table = [
  '| fault | injected | invariant checks | violations |',
  '| --- | ---: | ---: | ---: |',
  ...rows.map((r) => `| ${r.fault} | ${r.injected} | ${r.checks} | ${r.violations.length} |`),
  `| **total** | **${campaign.faults}** | **${rows.reduce((n, r) => n + r.checks, 0)}** | **${campaign.violations}** |`,
].join('\n');
process.stdout.write(`\nchaos campaign, seed ${seed}, scale ${scale}: ${campaign.faults} faults in ${seconds.toFixed(0)} s, ${campaign.violations} invariant violations\n\n${table}\n\n`);
for (const r of rows) for (const n of r.notes) process.stdout.write(`- ${r.fault}: ${n}\n`);
for (const r of rows) for (const v of r.violations) process.stdout.write(`- VIOLATION ${r.fault}: ${v.split('\n')[0]}\n`);

await mkdir(join(ROOT, '.bench'), { recursive: true });
await writeFile(
  join(ROOT, '.bench/chaos.json'),
  `${JSON.stringify({ seed, scale, scenarios: only, startedAt: new Date(campaign.started).toISOString(), seconds, faults: campaign.faults, violations: campaign.violations, rows, command: `npm run chaos -- --seed ${seed}${scale !== 1 ? ` --scale ${scale}` : ''}` }, null, 2)}\n`,
);
await rm(dir, { recursive: true, force: true }).catch(() => undefined);
process.exit(campaign.violations > 0 ? 1 : 0);
