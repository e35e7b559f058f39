/**
 * What a system's plots call their axes: names and units from the system's
 * optional `labels` (core/system.ts), generic names and no units where it
 * has none. A unit of '' (dimensionless) is said as 'dimensionless', so an
 * axis without a unit always means "not known", never "forgotten".
 */
import type { MechanicalStructure, System, SystemLabels } from '../system.ts';

/** One axis: what it shows and, when known, its unit. */
export interface AxisLabel {
  name: string;
  unit?: string;
}

/** Every axis a system's plots use. */
export interface SystemAxes {
  time: AxisLabel;
  /** One per state component. */
  state: AxisLabel[];
  /** Mechanical systems: one per coordinate (q̈_i); empty otherwise. */
  acceleration: AxisLabel[];
  /** Mechanical systems: the energies T, V, E. */
  energy: AxisLabel;
}

/** What axis labels are computed from: a System, or just the parts of one that matter. */
export type LabelSource = Pick<System, 'stateDim' | 'labels'> & { mechanical?: Pick<MechanicalStructure, 'coordinates'> };

const DIMENSIONLESS = 'dimensionless';

/** The shown unit: '' (declared dimensionless) says so; undefined stays unknown. */
function shownUnit(unit: string | undefined): string | undefined {
  return unit === '' ? DIMENSIONLESS : unit;
}

/** Generic state names: x1, x2, ...; for mechanical systems q1.., then q̇1.. (U+0307, the combining dot). */
export function genericStateNames(stateDim: number, coordinates?: number): string[] {
  if (coordinates === undefined) return Array.from({ length: stateDim }, (_, d) => `x${d + 1}`);
  return Array.from({ length: stateDim }, (_, d) => (d < coordinates ? `q${d + 1}` : `q\u0307${d - coordinates + 1}`));
}

/**
 * The unit of a rate: `unit` per `time`, folding 'rad/s' per 's' into
 * 'rad/s²'. Unknown when either is unknown; dimensionless over
 * dimensionless stays dimensionless.
 */
export function perTime(unit: string | undefined, time: string | undefined): string | undefined {
  if (unit === undefined || time === undefined) return undefined;
  if (time === '') return unit;
  if (unit === '') return `1/${time}`;
  if (unit.endsWith(`/${time}`)) return `${unit}²`;
  return `${unit}/${time}`;
}

/** Axis labels for `system`'s plots (see the file comment). */
export function systemAxes(system: LabelSource): SystemAxes {
  const labels: SystemLabels = system.labels ?? {};
  const n = system.mechanical?.coordinates;
  const generic = genericStateNames(system.stateDim, n);
  const names = generic.map((g, d) => labels.state?.[d] ?? g);
  const units = generic.map((_, d) => labels.stateUnits?.[d]);
  const state = names.map((name, d) => withUnit(name, shownUnit(units[d])));
  const acceleration =
    n === undefined
      ? []
      : Array.from({ length: n }, (_, i) => {
          const declared = labels.accelerations?.[i];
          const name = declared ?? (labels.state?.[n + i] !== undefined ? `d${names[n + i]}/dt` : `q\u0308${i + 1}`);
          return withUnit(name, shownUnit(perTime(units[n + i], labels.time)));
        });
  return {
    time: withUnit('t', shownUnit(labels.time)),
    state,
    acceleration,
    energy: withUnit('E', shownUnit(labels.energy)),
  };
}

function withUnit(name: string, unit: string | undefined): AxisLabel {
  return unit === undefined ? { name } : { name, unit };
}

/** 'name (unit)', or the name alone when the unit is unknown (for legends and titles). */
export function formatLabel(label: AxisLabel): string {
  return label.unit === undefined ? label.name : `${label.name} (${label.unit})`;
}
