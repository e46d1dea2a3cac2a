export { Random, categoricalFromUniform, type RandomState } from './prng.js';
