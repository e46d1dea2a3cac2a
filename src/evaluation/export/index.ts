export * from './artifact.js';
export * from './load.js';
export * from './predict.js';
export * from './preprocessing.js';
export * from './serialize.js';
export * from './standard-model.js';
