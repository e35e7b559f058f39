/**
 * A stack of dense layers as tfjs variables: the building block of the MLP
 * vector field (and of the networks inside later models).
 */
import type { NamedWeights } from '../model.ts';
import type { Rng } from '../random.ts';
import { s } from '../schema.ts';
import { tf } from '../tensor/tf.ts';
import { ACTIVATIONS, denseStack, denseStackVjp, hostDenseAllowed, type Activation, type InputTransform } from '../tensor/dense-stack-kernels.ts';
import { denseHostField } from '../tensor/dense-stack-host.ts';
import type { HostField } from '../ode/host-field.ts';
import { initWeights, type InitName } from './init.ts';

export { ACTIVATIONS, activate, type Activation, type InputTransform } from '../tensor/dense-stack-kernels.ts';
export const activationSchema = s.enum(ACTIVATIONS);

/** What one evaluation may add to the input: a transform of x, and t as an extra column. */
export interface DenseApplyOptions {
  /** 'cube': x → x³ element-wise before the first layer (default 'none'). */
  inputTransform?: InputTransform;
  /** When a number, appended as an extra input column after the transform (widths[0] then counts it). */
  time?: number | null;
}

export interface DenseStackOptions {
  /** Layer widths from input to output, e.g. [2, 50, 2]. */
  widths: readonly number[];
  activation: Activation;
  init: InitName;
  initStd?: number;
  rng: Rng;
  /** Overrides `init`: the weights of dense layer `layer` of `layers` (e.g. cranmerInit). */
  initLayer?: (rng: Rng, layer: number, layers: number, fanIn: number, fanOut: number) => Float32Array;
  /** Variable name prefix (tfjs variable names are global). */
  name: string;
}

/** Dense layers with an activation between them (none after the last). */
export class DenseStack {
  readonly weights: tf.Variable[] = [];
  readonly biases: tf.Variable[] = [];
  readonly activation: Activation;

  constructor(o: DenseStackOptions) {
    this.activation = o.activation;
    for (let i = 0; i + 1 < o.widths.length; i++) {
      const fanIn = o.widths[i]!;
      const fanOut = o.widths[i + 1]!;
      const w = o.initLayer ? o.initLayer(o.rng, i, o.widths.length - 1, fanIn, fanOut) : initWeights(o.rng, o.init, fanIn, fanOut, o.initStd);
      // tidy frees the initial values; variables outlive it.
      this.weights.push(tf.tidy(() => tf.variable(tf.tensor2d(w, [fanIn, fanOut]), true, `${o.name}/w${i}`)));
      this.biases.push(tf.tidy(() => tf.variable(tf.zeros([fanOut]), true, `${o.name}/b${i}`)));
    }
  }

  get variables(): tf.Variable[] {
    return this.weights.flatMap((w, i) => [w, this.biases[i]!]);
  }

  /**
   * Forward pass on a batch [B, widths[0]] → [B, widths[last]] (with `time`,
   * x is [B, widths[0] - 1]): one fused kernel on the cpu and wasm backends.
   */
  apply(x: tf.Tensor, options: DenseApplyOptions = {}): tf.Tensor {
    return denseStack(x, this.weights, this.biases, { activation: this.activation, ...options });
  }

  /**
   * The stack as a host vector field for `rows` states with the variables'
   * current values (see HostField; dParams in `variables` order), or null
   * where the composite ops would be used.
   */
  hostField(rows: number, options: { inputTransform?: InputTransform; timeDependent: boolean }): HostField | null {
    const widths = [this.weights[0]!.shape[0]!, ...this.weights.map((w) => w.shape[1]!)];
    if (!hostDenseAllowed(rows, widths)) return null;
    const values = this.variables.map((v) => v.dataSync() as Float32Array);
    return denseHostField(values, widths, rows, {
      activation: this.activation,
      inputTransform: options.inputTransform ?? 'none',
      timeDependent: options.timeDependent,
    });
  }

  /** The forward pass and its vector-Jacobian products with `cotangent`, without the tape (dParams in `variables` order). */
  vjp(x: tf.Tensor, cotangent: tf.Tensor, options: DenseApplyOptions = {}): { value: tf.Tensor; dx: tf.Tensor; dParams: tf.Tensor[] } {
    return denseStackVjp(x, this.weights, this.biases, { activation: this.activation, ...options }, cotangent);
  }

  getWeights(prefix: string): NamedWeights {
    const out: NamedWeights = {};
    this.weights.forEach((w, i) => {
      out[`${prefix}w${i}`] = { shape: w.shape, values: Array.from(w.dataSync()) };
      out[`${prefix}b${i}`] = { shape: this.biases[i]!.shape, values: Array.from(this.biases[i]!.dataSync()) };
    });
    return out;
  }

  setWeights(weights: NamedWeights, prefix: string): void {
    const assign = (v: tf.Variable, key: string) => {
      const w = weights[key];
      if (!w) throw new Error(`weights are missing '${key}'`);
      if (w.shape.join() !== v.shape.join()) throw new Error(`weight '${key}' has shape [${w.shape}], expected [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(w.values, w.shape)));
    };
    this.weights.forEach((w, i) => {
      assign(w, `${prefix}w${i}`);
      assign(this.biases[i]!, `${prefix}b${i}`);
    });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}
