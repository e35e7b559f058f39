/**
 * A run's write-ahead spool on the local disk: every record of a run logged
 * to a remote tracker is written here before it is sent, so that neither an
 * unreachable server nor a crash (even SIGKILL) loses what was logged.
 *
 *   <root>/<run_id>/meta.json        tracking URI (never with credentials), run and experiment ids,
 *                                     pid and hostname of the process that made it, creation time
 *   <root>/<run_id>/owner.lock       who may send the records now (spool-owner.ts)
 *   <root>/<run_id>/records.jsonl    one record a line, sequence numbers 1, 2, ... (spool-records.ts)
 *   <root>/<run_id>/acked            the last sequence number the server acknowledged
 *   <root>/<run_id>/rejected.jsonl   records the server refused for good, with its reason
 *   <root>/<run_id>/blobs/<seq>      an artifact's bytes, until it is acknowledged
 *
 * records.jsonl is only appended to, with one synchronous write per logging
 * call: when a logging call returns, its record is in the file (in the OS's
 * page cache: a killed process loses nothing; there is no fsync, so a power
 * cut may). A crash in the middle of an append leaves a torn last line
 * without its newline; readers ignore it (that call never returned) and the
 * next owner cuts it off before appending. `acked` is rewritten atomically
 * (temporary file + rename) after every acknowledged request, so it is
 * always a whole number. Records up to `acked` are never sent again.
 *
 * The folder is removed once every record, the final status included, is
 * acknowledged; when the server rejected some, it stays (with
 * rejected.jsonl and those records' blobs) for the user to look at.
 */
import { appendFileSync, closeSync, ftruncateSync, openSync, writeFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { TrackingError } from '../errors.ts';
import { writeAtomic } from './file-lock.ts';
import { makeDirs } from './local-folder.ts';
import { decodeRecord, encodeRecord, splitToLimits, type RecordBody, type SpoolRecord } from './spool-records.ts';
import { takeOwnership, type Ownership } from './spool-owner.ts';

export const SPOOL_FILES = { meta: 'meta.json', records: 'records.jsonl', acked: 'acked', rejected: 'rejected.jsonl', blobs: 'blobs' } as const;

export interface SpoolMeta {
  /** Where the run lives (a tracker's `uri`: never with credentials). */
  trackingUri: string;
  runId: string;
  experimentId: string;
  /** The process that logged the run. */
  pid: number;
  hostname: string;
  /** Milliseconds since the epoch. */
  created: number;
}

/** What is on disk for one run. */
export interface SpoolState {
  /** Every whole record, in order. */
  records: SpoolRecord[];
  /** The last acknowledged sequence number (0: none). */
  acked: number;
  /** Records after `acked`, in order. */
  pending: SpoolRecord[];
  /** Bytes of a torn last line (a crash mid-append), 0 when the file ends cleanly. */
  tornBytes: number;
  /** How many records the server rejected for good. */
  rejected: number;
}

const RUN_FOLDER_RE = /^[A-Za-z0-9][\w-]{0,255}$/;
const errno = (e: unknown) => (e as NodeJS.ErrnoException | undefined)?.code;

/** Strip user:password@ from a URI, in case a tracker's `uri` ever carries it. */
function withoutCredentials(uri: string): string {
  return uri.replace(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)[^/@]*@/, '$1');
}

function parseMeta(text: string, file: string): SpoolMeta {
  let m: Partial<Record<keyof SpoolMeta, unknown>>;
  try {
    m = JSON.parse(text) as typeof m;
  } catch (e) {
    throw new TrackingError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const strings = ['trackingUri', 'runId', 'experimentId', 'hostname'] as const;
  if (strings.some((k) => typeof m[k] !== 'string') || typeof m.pid !== 'number' || typeof m.created !== 'number') {
    throw new TrackingError(`${file}: not a spool meta.json (needs trackingUri, runId, experimentId, pid, hostname, created)`);
  }
  return m as SpoolMeta;
}

export class RunSpool {
  private nextSeq: number;
  /** Length of records.jsonl up to its last whole line. */
  private size: number;

  private constructor(
    readonly dir: string,
    readonly meta: SpoolMeta,
    last: { seq: number; size: number },
  ) {
    this.nextSeq = last.seq + 1;
    this.size = last.size;
  }

  /**
   * Make the spool of a new run under `root`, owned by this process. The
   * owner lock is taken before meta.json is written, and a sync ignores a
   * folder without meta.json, so a sync never races a run being set up.
   */
  static async create(root: string, run: { trackingUri: string; runId: string; experimentId: string }): Promise<{ spool: RunSpool; ownership: Ownership }> {
    if (!RUN_FOLDER_RE.test(run.runId)) throw new TrackingError(`cannot spool run id '${run.runId}': not usable as a folder name`);
    const dir = join(root, run.runId);
    try {
      await makeDirs(root);
      await mkdir(dir);
      await mkdir(join(dir, SPOOL_FILES.blobs));
    } catch (e) {
      throw new TrackingError(`cannot create the spool folder ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const ownership = await takeOwnership(dir);
    if (!ownership) throw new TrackingError(`spool folder ${dir} is owned by another process`);
    const meta: SpoolMeta = { ...run, trackingUri: withoutCredentials(run.trackingUri), pid: process.pid, hostname: hostname(), created: Date.now() };
    await writeAtomic(join(dir, SPOOL_FILES.meta), `${JSON.stringify(meta, null, 2)}\n`, dir);
    writeFileSync(join(dir, SPOOL_FILES.records), '');
    return { spool: new RunSpool(dir, meta, { seq: 0, size: 0 }), ownership };
  }

  /** The meta.json of the run folder `dir`. */
  static async readMeta(dir: string): Promise<SpoolMeta> {
    const file = join(dir, SPOOL_FILES.meta);
    return parseMeta(await readFile(file, 'utf8'), file);
  }

  /** Open an existing run's spool (for `odelab sync`); the caller should own it before changing it. */
  static async open(dir: string): Promise<RunSpool> {
    const meta = await RunSpool.readMeta(dir);
    const spool = new RunSpool(dir, meta, { seq: 0, size: 0 });
    const { records, size } = await spool.readRecords();
    spool.nextSeq = (records.at(-1)?.seq ?? 0) + 1;
    spool.size = size;
    return spool;
  }

  /** The run folders under `root` that have a meta.json (none when `root` is missing). */
  static async list(root: string): Promise<string[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch((e: unknown) => (errno(e) === 'ENOENT' ? [] : Promise.reject(e)));
    const dirs: string[] = [];
    for (const d of entries.filter((e) => e.isDirectory() && RUN_FOLDER_RE.test(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
      const present = await stat(join(root, d.name, SPOOL_FILES.meta)).then(() => true, () => false);
      if (present) dirs.push(join(root, d.name));
    }
    return dirs;
  }

  /**
   * Append one logging call (cut to the server's limits) and return its
   * records. Synchronous, so the records are on disk when it returns.
   */
  append(body: RecordBody, time = Date.now()): SpoolRecord[] {
    const records = splitToLimits(body).map((b) => ({ ...b, seq: this.nextSeq++, time }) as SpoolRecord);
    this.write(records.map(encodeRecord).join(''));
    return records;
  }

  /** Append an artifact: its bytes go to a blob file first, so a record never names a missing blob. */
  appendArtifact(path: string, data: string | Uint8Array, time = Date.now()): SpoolRecord {
    const seq = this.nextSeq++;
    const blob = `${SPOOL_FILES.blobs}/${seq}`;
    try {
      writeFileSync(join(this.dir, blob), data);
    } catch (e) {
      throw new TrackingError(`cannot write to the spool ${this.dir}: ${(e as Error).message}`, { cause: e });
    }
    const record: SpoolRecord = { kind: 'artifact', path, blob, seq, time };
    this.write(encodeRecord(record));
    return record;
  }

  private write(text: string): void {
    if (!text) return;
    const file = join(this.dir, SPOOL_FILES.records);
    try {
      appendFileSync(file, text);
      this.size += Buffer.byteLength(text);
    } catch (e) {
      // Cut a partial write off so that the file still ends with a whole line.
      try {
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, this.size);
        closeSync(fd);
      } catch {
        // The next reader ignores a torn last line anyway.
      }
      throw new TrackingError(`cannot write to the spool ${this.dir}: ${(e as Error).message}`, { cause: e });
    }
  }

  /** The whole records in records.jsonl and the byte length they span (a torn last line excluded). */
  private async readRecords(): Promise<{ records: SpoolRecord[]; size: number; tornBytes: number }> {
    const file = join(this.dir, SPOOL_FILES.records);
    const buf = await readFile(file).catch((e: unknown) => (errno(e) === 'ENOENT' ? Buffer.alloc(0) : Promise.reject(e)));
    const size = buf.lastIndexOf(0x0a) + 1;
    const records: SpoolRecord[] = [];
    const lines = buf.subarray(0, size).toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (lines[i]!.trim() === '') continue;
      const r = decodeRecord(lines[i]!, `${file} line ${i + 1}`);
      const prev = records.at(-1);
      if (prev && r.seq <= prev.seq) throw new TrackingError(`${file} line ${i + 1}: sequence number ${r.seq} after ${prev.seq}`);
      records.push(r);
    }
    return { records, size, tornBytes: buf.length - size };
  }

  /** Everything on disk: records, the acknowledged mark, what is pending. */
  async state(): Promise<SpoolState> {
    const { records, tornBytes } = await this.readRecords();
    const acked = await this.readAcked();
    const rejected = (await readFile(join(this.dir, SPOOL_FILES.rejected), 'utf8').catch(() => '')).split('\n').filter((l) => l.trim()).length;
    return { records, acked, pending: records.filter((r) => r.seq > acked), tornBytes, rejected };
  }

  private async readAcked(): Promise<number> {
    const file = join(this.dir, SPOOL_FILES.acked);
    const text = await readFile(file, 'utf8').catch((e: unknown) => (errno(e) === 'ENOENT' ? '0' : Promise.reject(e)));
    const n = Number(text.trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new TrackingError(`${file}: not a sequence number: '${text.slice(0, 40)}'`);
    return n;
  }

  /** Cut off a torn last line (before appending to a crashed run's records). */
  async repairTail(): Promise<void> {
    const { size, tornBytes } = await this.readRecords();
    if (tornBytes > 0) await truncate(join(this.dir, SPOOL_FILES.records), size);
    this.size = size;
  }

  /**
   * Mark every record up to the last of `records` settled; the blobs of
   * delivered artifacts go (a rejected one keeps its bytes: `delivered` false).
   */
  async ack(records: readonly SpoolRecord[], delivered = true): Promise<void> {
    const last = records.at(-1);
    if (!last) return;
    await writeAtomic(join(this.dir, SPOOL_FILES.acked), String(last.seq), this.dir);
    if (!delivered) return;
    for (const r of records) if (r.kind === 'artifact') await rm(join(this.dir, r.blob), { force: true });
  }

  /** Keep a record the server refused for good in rejected.jsonl (its blob stays). */
  async reject(record: SpoolRecord, reason: string): Promise<void> {
    const entry = { ...(JSON.parse(encodeRecord(record)) as object), error: reason, rejectedAt: Date.now() };
    await appendFile(join(this.dir, SPOOL_FILES.rejected), `${JSON.stringify(entry)}\n`);
  }

  /** The bytes of an artifact record. */
  async readBlob(record: SpoolRecord & { kind: 'artifact' }): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(join(this.dir, record.blob)));
    } catch (e) {
      throw new TrackingError(`the bytes of artifact '${record.path}' are missing from the spool (${record.blob}): ${(e as Error).message}`);
    }
  }

  /** Remove the folder once everything is acknowledged; keep it (rejected.jsonl, their blobs) if the server rejected some. */
  async finish(): Promise<'removed' | 'kept'> {
    const state = await this.state();
    if (state.pending.length > 0) throw new TrackingError(`spool ${this.dir} still has ${state.pending.length} pending records`);
    if (state.rejected > 0) return 'kept';
    // Retries: a sync that just looked at the folder may be creating its lock file in it.
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 });
    return 'removed';
  }
}
