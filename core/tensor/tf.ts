/**
 * The one place that imports tfjs. Everything else imports `tf` from here, so
 * that the engine (and its registered backends) is shared, whichever backend
 * package is loaded later.
 *
 * tfjs's packages are loaded by `requireTfjs`, which every thread (each
 * sweep worker among them) pays for at start-up, so it avoids two costs:
 * - an ESM `import` makes Node scan the source of tfjs and of every package
 *   it re-exports (some 5 MB) with its JavaScript CommonJS lexer; `require()`
 *   does not;
 * - with source maps on (tsx turns them on, for TypeScript stack traces),
 *   Node reads and parses the multi-megabyte source map of each tfjs file as
 *   it loads; they are turned off while tfjs loads (stack frames inside tfjs
 *   then show its compiled JavaScript, ours still show TypeScript lines).
 * Measured in a worker thread with tsx registered: `import` 0.61 s,
 * `require()` 0.43 s, `require()` without source maps 0.16 s.
 */
import { createRequire } from 'node:module';
import type * as TF from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

/** `require(id)` for a tfjs package, with source maps off while it loads (see above). */
export function requireTfjs<T>(id: string): T {
  const sourceMaps = process.sourceMapsEnabled;
  if (sourceMaps) process.setSourceMapsEnabled(false);
  try {
    return require(id) as T;
  } finally {
    if (sourceMaps) process.setSourceMapsEnabled(true);
  }
}

export const tf = requireTfjs<typeof TF>('@tensorflow/tfjs');

// Production mode skips tfjs's debug checks and its console banners.
tf.enableProdMode();

/**
 * The tfjs types named as `tf.X` (a constant carries no types of its own):
 * the classes and shapes odelab and plugins use. Any other tfjs type:
 * `import type { ... } from '@tensorflow/tfjs'`.
 */
export declare namespace tf {
  type Rank = TF.Rank;
  type Tensor<R extends TF.Rank = TF.Rank> = TF.Tensor<R>;
  type Scalar = TF.Scalar;
  type Tensor1D = TF.Tensor1D;
  type Tensor2D = TF.Tensor2D;
  type Tensor3D = TF.Tensor3D;
  type Tensor4D = TF.Tensor4D;
  type Variable<R extends TF.Rank = TF.Rank> = TF.Variable<R>;
  type TensorLike = TF.TensorLike;
  type DataType = TF.DataType;
  type NamedTensorMap = TF.NamedTensorMap;
  type TensorInfo = TF.TensorInfo;
  type NamedAttrMap = TF.NamedAttrMap;
  type NamedTensorInfoMap = TF.NamedTensorInfoMap;
  type KernelFunc = TF.KernelFunc;
  type KernelBackend = TF.KernelBackend;
  type GradSaveFunc = TF.GradSaveFunc;
  type Optimizer = TF.Optimizer;
  type AdamOptimizer = TF.AdamOptimizer;
  type RMSPropOptimizer = TF.RMSPropOptimizer;
  type SGDOptimizer = TF.SGDOptimizer;
}
