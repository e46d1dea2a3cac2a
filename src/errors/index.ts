export * from './graphnas-error.js';
