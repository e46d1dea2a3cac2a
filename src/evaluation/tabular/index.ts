export { TabularEvaluator, UnknownArchitectureError, createTabularEvaluator, tabularTestSplitOf, type TabularBinding } from './tabular.evaluator.js';
export { TabularConfigError, resolveTabularConfig, testColumnFor, type ResolvedTabularConfig, type TabularEvaluatorConfig } from './config.js';
export { MetricTable, TableError, loadMetricTable, readMetricTable } from './table.js';
export { CsvSyntaxError, parseCsv } from './csv.js';
export { defaultTablePath, packageRoot } from './package-root.js';
