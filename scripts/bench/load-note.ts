/** The note the suites print: timings move with the machine's load. */
import os from 'node:os';

/** The 1-minute load average before the suite and now. */
export function loadAverageNote(before: number): string {
  return (
    `load average (1 min) ${before.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end, on ${os.cpus().length} cores: ` +
    'timings on a shared machine move between runs'
  );
}
