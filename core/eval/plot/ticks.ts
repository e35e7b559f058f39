/**
 * Axis ticks and their labels: 1-2-5 steps on linear axes, decades (then
 * 1-2-5 multiples, then linear steps, as the range narrows) on log axes.
 */

/** Major ticks with their labels, and unlabelled minor ticks. */
export interface AxisTicks {
  major: number[];
  labels: string[];
  minor: number[];
}

/** Linear ticks and the step between them. */
export interface LinearTicks {
  values: number[];
  step: number;
}

/** Log-axis ticks: labelled majors and unlabelled minors. */
export interface LogTicks {
  major: number[];
  minor: number[];
  /** The step when the range was too narrow for decades and linear ticks were used. */
  linearStep?: number;
}

const EPS = 1e-9;

/**
 * Ticks at whole multiples of a 1-2-5 step (1, 2, 5, 10, 20, ...) inside
 * [min, max]: the smallest such step that gives at most `maxTicks` ticks,
 * or, when that step leaves fewer than two ticks in the range, the largest
 * step that gives two.
 *
 * @param maxTicks at least 2.
 * @returns no ticks unless min < max, both finite.
 */
export function linearTicks(min: number, max: number, maxTicks: number): LinearTicks {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) return { values: [], step: NaN };
  const intervals = Math.max(1, Math.floor(maxTicks) - 1);
  const raw = max / intervals - min / intervals; // not (max - min) / n, which overflows for +-1e308
  let exponent = Math.floor(Math.log10(raw));
  let index = MANTISSAS.findIndex((m) => m * 10 ** exponent >= raw * (1 - EPS));
  if (index < 0) {
    index = 0;
    exponent += 1;
  }
  // Each pass shrinks the step one notch; a few passes reach two ticks unless the step underflows.
  for (let pass = 0; pass < 8; pass++) {
    const mantissa = MANTISSAS[index]!;
    const step = decimal(mantissa, exponent);
    if (!(step > 0 && Number.isFinite(step))) break;
    const first = Math.ceil(min / step - EPS);
    const last = Math.floor(max / step + EPS);
    if (last - first + 1 >= 2) {
      const values: number[] = [];
      // `+ 0` turns -0 (from ceil of a tiny negative) into 0.
      for (let k = first; k <= last; k++) values.push(decimal(k * mantissa, exponent) + 0);
      return { values: dedupe(values), step };
    }
    index -= 1;
    if (index < 0) {
      index = MANTISSAS.length - 1;
      exponent -= 1;
    }
  }
  return { values: [], step: NaN };
}

const MANTISSAS = [1, 2, 5];

/**
 * Ticks for a log axis over [min, max] (0 < min < max).
 *
 * A range of under three decades gets majors at 1, 2 and 5 times powers of
 * ten when two to `maxTicks` of them fit. Otherwise: every decade when at
 * most `maxTicks` fit, else every 2nd, 3rd, 5th, 10th, ... decade, with the
 * 2..9 multiples (or the skipped decades) as minor ticks. A range too narrow
 * for two labelled ticks either way gets linear ticks.
 */
export function logTicks(min: number, max: number, maxTicks: number): LogTicks {
  if (!(min > 0 && max > min && Number.isFinite(max))) return { major: [], minor: [] };
  const lo = Math.log10(min);
  const hi = Math.log10(max);
  const first = Math.ceil(lo - EPS);
  const last = Math.floor(hi + EPS);
  const decades = last - first + 1;
  const limit = Math.max(2, Math.floor(maxTicks));
  // Under three decades, 1-2-5 multiples label the axis better than two or three decades, when they fit.
  const fine = decades < 3 ? multiples(min, max, [1, 2, 5]) : [];
  if (fine.length >= 2 && fine.length <= limit) return { major: fine, minor: multiples(min, max, [3, 4, 6, 7, 8, 9]) };
  if (decades >= 2) {
    const stride = [1, 2, 3, 5, 10, 20, 25, 50, 100].find((s) => Math.ceil(decades / s) <= limit) ?? Math.ceil(decades / limit);
    const major: number[] = [];
    const minor: number[] = [];
    for (let e = first; e <= last; e++) (e % stride === 0 ? major : minor).push(decimal(1, e));
    if (major.length >= 2) {
      // Past every 10th decade, minor decades would be a smear of ticks: leave them out.
      return { major, minor: stride === 1 ? multiples(min, max, [2, 3, 4, 5, 6, 7, 8, 9]) : stride <= 10 ? minor : [] };
    }
  }
  const linear = linearTicks(min, max, limit);
  return { major: linear.values, minor: [], linearStep: linear.step };
}

/** Every m * 10^e inside [min, max] for the given mantissas m. */
function multiples(min: number, max: number, mantissas: number[]): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of mantissas) {
      const v = decimal(m, e);
      if (v >= min * (1 - EPS) && v <= max * (1 + EPS)) out.push(v);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * Labels for linear ticks `step` apart: fixed-point with the decimals the
 * step needs (0.0, 0.5, 1.0), or shortest exponent form (2.5e-4, 1e5) when
 * the largest magnitude is at least 1e5 or below 1e-3 and that makes the
 * longest label no longer (1000002 stays as it is; 1.000002e6 would not help).
 */
export function formatLinearTicks(values: readonly number[], step: number): string[] {
  const decimals = Math.min(20, Math.max(0, -Math.floor(Math.log10(step) + EPS)));
  const plain = values.map((v) => fixed(v, decimals));
  const biggest = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (!(biggest >= 1e5 || (biggest > 0 && biggest < 1e-3))) return plain;
  const exp = values.map(formatExponent);
  return longest(exp) <= longest(plain) ? exp : plain;
}

/**
 * Labels for log-axis ticks: the shortest form of each (0.01, 1, 100), or
 * exponent form for all (1e-6, 1e-4, 1e0) when any is below 1e-3 or at
 * least 1e5.
 */
export function formatLogTicks(values: readonly number[]): string[] {
  const exponent = values.some((v) => v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5));
  return values.map(exponent ? formatExponent : (v) => String(v));
}

/** Ticks and labels for an axis over [min, max]; the caller guarantees min < max (and min > 0 on a log axis). */
export function axisTicks(scale: 'linear' | 'log', min: number, max: number, maxTicks: number): AxisTicks {
  if (scale === 'log') {
    const t = logTicks(min, max, maxTicks);
    const labels = t.linearStep !== undefined ? formatLinearTicks(t.major, t.linearStep) : formatLogTicks(t.major);
    return { major: t.major, labels, minor: t.minor };
  }
  const t = linearTicks(min, max, maxTicks);
  return { major: t.values, labels: formatLinearTicks(t.values, t.step), minor: [] };
}

function longest(labels: readonly string[]): number {
  return labels.reduce((m, l) => Math.max(m, l.length), 0);
}

/** Shortest round-tripping exponent form without '+': 1e5, 2.5e-4, -3e-7; 0 stays '0'. */
export function formatExponent(v: number): string {
  if (v === 0) return '0';
  return v.toExponential().replace('e+', 'e');
}

function fixed(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** m * 10^e computed so that decimal fractions come out as the nearest double (0.3, not 0.30000000000000004). */
function decimal(m: number, e: number): number {
  return e >= 0 ? m * 10 ** e : m / 10 ** -e;
}

function dedupe(values: number[]): number[] {
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}
