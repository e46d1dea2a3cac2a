import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv } from '../../../src/evaluation/data/csv-source.js';

test('CSV with a header: label by name, string labels mapped in sorted order', () => {
  const d = parseCsv('a,b,kind\n1,2,dog\n3,4,cat\n5,6,dog\n', { path: 'x.csv', labelColumn: 'kind' });
  assert.equal(d.count, 3);
  assert.deepEqual([d.height, d.width, d.channels], [1, 1, 2]);
  assert.deepEqual([...d.x], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...d.y], [1, 0, 1]);
  assert.equal(d.numClasses, 2);
});

test('CSV without a header: numeric labels, feature selection and image shape', () => {
  const d = parseCsv('0,1,2,3,4\n1,5,6,7,8\n', { path: 'x.csv', labelColumn: 0, shape: [2, 2, 1] });
  assert.deepEqual([d.height, d.width, d.channels], [2, 2, 1]);
  assert.deepEqual([...d.x], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...d.y], [0, 1]);
  const sel = parseCsv('0,1,2,3,4\n1,5,6,7,8\n', { path: 'x.csv', labelColumn: 0, featureColumns: [2, 4] });
  assert.deepEqual([...sel.x], [2, 4, 6, 8]);
});

test('CSV errors carry the file, line and column', () => {
  assert.throws(() => parseCsv('a,b\n1,0\n2,x\n', { path: 'f.csv', labelColumn: 'a' }), /f\.csv: line 3, column b: "x" is not a number/);
  assert.throws(() => parseCsv('a,b\n1,0\n2\n', { path: 'f.csv' }), /line 3 has 1 cells, expected 2/);
  assert.throws(() => parseCsv('a,b\n1,0\n', { path: 'f.csv', labelColumn: 'c' }), /label column "c" not found/);
  assert.throws(() => parseCsv('a,b\n1,0\n2,0\n', { path: 'f.csv' }), /at least 2 classes/);
  assert.throws(() => parseCsv('a,b,c\n1,0,1\n', { path: 'f.csv', shape: [2, 2, 1] }), /needs 4 features, 2 selected/);
});
