/**
 * Trajectories with state jumps at events (a ball bouncing, an impact, a
 * switch): a chain of solves, each ended by the event (core/ode/events.ts),
 * its end state mapped by the jump and the next solve started there.
 *
 * withEvents wraps any integrator so that everything that solves with one
 * (ground-truth data, training, evaluation) follows the chain: float64
 * states directly, tensors one trajectory (batch row) at a time, since rows
 * meet their events at different times. On the tape, the event times carry
 * their gradients (core/ode/event-gradient.ts), so a model learns through
 * the impacts; backprop records the tfjs tape (not the host tape), and the
 * continuous adjoint is refused, since its backward solve would cross the
 * jumps.
 */
import { ConfigError, ErrorCodes, NumericalError } from '../errors.ts';
import { untaped } from '../tensor/nested-gradients.ts';
import { tf } from '../tensor/tf.ts';
import { eventTimeAndState, float64EventPartials, startingAt } from './event-gradient.ts';
import { solveUntilEvent, type EventDirection } from './events.ts';
import { addStats, emptyStats, type Integrator, type SolveStats, type StateOps, type VectorField } from './types.ts';

/** An event with a state jump, on one trajectory's state x (size d). */
export interface JumpEvent {
  /** g(t, x): the event is where it crosses zero in `direction`. */
  fn(t: number, x: Float64Array): number;
  direction: EventDirection;
  /** The state just after the event from the state x at it (float64). */
  jump(t: number, x: Float64Array): Float64Array;
  /** The same on a tensor state [1, d] (differentiable: training through the event). */
  jumpTensor(t: number, x: tf.Tensor): tf.Tensor;
  /** Most events in one trajectory before it is a failure (a bouncing ball coming to rest bounces infinitely often). */
  maxEvents: number;
}

function tooManyEvents(event: JumpEvent, t: number): NumericalError {
  return new NumericalError(
    ErrorCodes.NUMERICAL_MAX_STEPS,
    `more than ${event.maxEvents} events by t = ${t} (events.maxEvents): the trajectory may be coming to rest ` +
      '(infinitely many impacts); shorten the time span or raise the limit',
    t,
  );
}

/**
 * One trajectory through the output times t, with a jump at each event.
 * `jumpAt` maps (event time, state at it) to the next solve's (start time, state).
 */
function chain<S>(
  integrator: Integrator,
  f: VectorField<S>,
  y0: S,
  t: readonly number[],
  ops: StateOps<S>,
  g: (t: number, y: S) => number,
  event: JumpEvent,
  jumpAt: (tEvent: number, y: S) => S,
  stats: SolveStats,
): S[] {
  const out: S[] = [y0];
  const dir = t.length > 1 ? Math.sign(t[t.length - 1]! - t[0]!) : 1;
  let tc = t[0]!;
  let y = y0;
  let next = 1; // index of the next output time to fill
  let events = 0;
  while (next < t.length) {
    const seg = solveUntilEvent(integrator, f, y, [tc, ...t.slice(next)], ops, g, event.direction);
    addStats(stats, seg.stats);
    for (let i = 1; i < seg.ys.length; i++) out.push(seg.ys[i]!);
    next += seg.ys.length - 1;
    if (!seg.event) break;
    if (++events > event.maxEvents) throw tooManyEvents(event, seg.event.t);
    tc = seg.event.t;
    y = jumpAt(tc, seg.event.y);
    // An output time at the event itself records the state just after it.
    if (next < t.length && t[next] === tc) {
      out.push(y);
      next++;
    }
    if (next < t.length && !(dir * (t[next]! - tc) > 0)) throw new Error(`event chain: output time ${t[next]} is behind the event at ${tc}`);
  }
  return out;
}

/** `integrator`, following `event`'s chain of solves and jumps. */
export function withEvents(integrator: Integrator, event: JumpEvent): Integrator {
  const g64 = (tt: number, y: Float64Array) => event.fn(tt, y);
  const partials = float64EventPartials(g64);
  return {
    name: integrator.name,
    order: integrator.order,
    adaptive: integrator.adaptive,
    ...(integrator.requiresSeparable ? { requiresSeparable: true } : {}),
    implicit: integrator.implicit,
    events: true,
    solve<S>(f: VectorField<S>, y0: S, t: readonly number[], ops: StateOps<S>, monitor?: unknown) {
      if (monitor) throw new ConfigError('integrator', 'a solve with events takes no further step monitor');
      const stats = emptyStats();
      if (!(y0 instanceof tf.Tensor)) {
        const ys = chain(integrator, f as unknown as VectorField<Float64Array>, y0 as unknown as Float64Array, t, ops as unknown as StateOps<Float64Array>, g64, event, (te, y) => event.jump(te, y), stats);
        return { ys: ys as unknown as S[], stats };
      }
      const tops = ops as unknown as StateOps<tf.Tensor>;
      const field = f as unknown as VectorField<tf.Tensor>;
      const x0 = y0 as tf.Tensor;
      if (x0.rank !== 2) throw new ConfigError('y0', `a solve with events takes a batch of states [B, d], got shape [${x0.shape.join(', ')}]`);
      const readRow = (tt: number, y: tf.Tensor) => untaped(() => event.fn(tt, Float64Array.from(y.dataSync())));
      // On the tape the event time carries its gradient; off it (evaluation) the values are all there is.
      const jumpRow = (te: number, y: tf.Tensor) => {
        const at = eventTimeAndState(field, partials, te, y);
        return startingAt(field, at.eventTime, event.jumpTensor(te, at.y));
      };
      const B = x0.shape[0]!;
      const d = x0.shape[1]!;
      const ys = tf.tidy(() => {
        const rows = Array.from({ length: B }, (_, b) => tf.stack(chain(integrator, field, tf.slice(x0, [b, 0], [1, d]), t, tops, readRow, event, jumpRow, stats)));
        const all = B === 1 ? rows[0]! : tf.concat(rows, 1);
        return t.map((_, i) => tf.reshape(tf.slice(all, [i, 0, 0], [1, B, d]), [B, d]));
      });
      return { ys: ys as unknown as S[], stats };
    },
  };
}
