/**
 * The benchmark runner:
 *
 *   npm run bench -- [suite ...] [--json] [--quick]
 *
 * Runs the named suites of `scripts/bench/index.ts` (all when none is
 * named). Without `--json` it prints each suite's tables on stdout; with it,
 * stdout carries exactly one JSON object
 * `{ "machine": {...}, "suites": { "<name>": <result> } }` (npm prints its
 * own `> odelab bench` header on stdout: pipe `npm run -s bench -- --json`
 * or `npx tsx scripts/bench.ts --json` to a JSON reader). Progress goes
 * to stderr either way. Each suite's result is also written to
 * `.bench/<suite>.json` (git-ignored). `--quick` runs fewer repetitions, for
 * a smoke check, and writes `.bench/<suite>.quick.json` instead. Exit codes: 0 done, 1 a suite failed, 2 bad arguments.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../core/tensor/tf.ts';
import { suites, type Json, type Row, type SuiteResult, type Table } from './bench/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, '.bench');

interface Args {
  names: string[];
  json: boolean;
  quick: boolean;
}

function usage(): string {
  const list = Object.values(suites)
    .map((s) => `  ${s.name.padEnd(12)} ${s.description}`)
    .join('\n');
  return `usage: npm run bench -- [suite ...] [--json] [--quick]\n\nsuites:\n${list}\n`;
}

function parseArgs(argv: readonly string[]): Args | string {
  const args: Args = { names: [], json: false, quick: false };
  for (const a of argv) {
    if (a === '--json') args.json = true;
    else if (a === '--quick') args.quick = true;
    else if (a.startsWith('-')) return `unknown option '${a}'`;
    else if (!(a in suites)) return `unknown suite '${a}'; available: ${Object.keys(suites).join(', ')}`;
    else if (!args.names.includes(a)) args.names.push(a);
  }
  if (args.names.length === 0) args.names = Object.keys(suites);
  return args;
}

function machine(): { [key: string]: Json } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
    tfjs: tf.version_core,
    date: new Date().toISOString(),
  };
}

/** An aligned plain-text table: numbers right-aligned, text left-aligned. */
export function formatTable(table: Table): string {
  const rows: readonly Row[] = table.rows;
  if (rows.length === 0) return `${table.title}\n  (no rows)\n`;
  const columns = Object.keys(rows[0]!);
  const cell = (v: Row[string] | undefined): string => (v === null || v === undefined ? '-' : String(v));
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] === null));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]): string =>
    cells
      .map((s, i) => (numeric[i] ? s.padStart(widths[i]!) : s.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    table.title,
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
    '',
  ].join('\n');
}

function formatSuite(name: string, result: SuiteResult): string {
  const parts = [`== ${name} ==`, ...result.tables.map(formatTable)];
  if (result.notes.length > 0) parts.push(result.notes.map((n) => `- ${n}`).join('\n'), '');
  return parts.join('\n');
}

function toJson(result: SuiteResult): Json {
  return { tables: result.tables.map((t) => ({ title: t.title, rows: t.rows })), summary: result.summary, notes: result.notes };
}

/**
 * Send console.log/info/warn to stderr while suites run, so that nothing a
 * library prints can end up inside the `--json` output.
 */
function guardStdout(): () => void {
  const saved = { log: console.log, info: console.info, warn: console.warn };
  console.log = console.info = console.warn = (...a: unknown[]) => console.error(...a);
  return () => Object.assign(console, saved);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage());
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`bench: ${args}\n\n${usage()}`);
    return 2;
  }

  const info = machine();
  const results: { [name: string]: Json } = {};
  mkdirSync(OUT_DIR, { recursive: true });
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  log(`bench: ${info.cpus} × ${info.model}, node ${info.node}, tfjs ${info.tfjs}${args.quick ? ' (quick)' : ''}`);

  for (const name of args.names) {
    const suite = suites[name]!;
    const restore = guardStdout();
    let result: SuiteResult;
    const t0 = performance.now();
    try {
      result = await suite.run({ quick: args.quick, log });
    } catch (e) {
      restore();
      log(`bench: suite '${name}' failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return 1;
    }
    restore();
    log(`bench: ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    results[name] = toJson(result);
    // A smoke check must not overwrite the figures of a full run.
    const file = path.join(OUT_DIR, `${name}${args.quick ? '.quick' : ''}.json`);
    writeFileSync(file, `${JSON.stringify({ machine: info, suites: { [name]: results[name]! } }, null, 2)}\n`);
    log(`bench: wrote ${path.relative(ROOT, file)}`);
    if (!args.json) process.stdout.write(`${formatSuite(name, result)}\n`);
  }

  if (args.json) process.stdout.write(`${JSON.stringify({ machine: info, suites: results }, null, 2)}\n`);
  return 0;
}

process.exitCode = await main();
