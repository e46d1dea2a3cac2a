/**
 * tfjs-core's Node build ships without gradient definitions (they live in ESM-only
 * files that `require` cannot load), so `tf.variableGrads` fails with "gradient function
 * not found for Sum". tfjs-layers' Node bundle registers the full set of core gradients
 * as a side effect of being loaded; importing it once is the supported way to get them
 * without the `@tensorflow/tfjs` union package.
 */
import '@tensorflow/tfjs-layers';
