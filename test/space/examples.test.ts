import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { CellArchitecture } from '../../src/space/index.js';
import { cellArchitectureFromString, compileSpace, formatNb201Cell, NB201_DEFINITION, parseNb201Cell, validateActions } from '../../src/space/index.js';
import { compiled, readJson, ROOT } from './helpers.js';

test('the NAS-Bench-201 example compiles to 6 decisions of 5 ops and 15,625 cells', () => {
  const space = compiled(readJson('examples/nb201-cell.json'));
  assert.equal(space.kind, 'cell');
  assert.equal(space.cardinality, 15625n);
  assert.deepEqual(
    space.decisions.map((d) => [d.id, d.choices.length, d.condition]),
    ['0.1', '0.2', '1.2', '0.3', '1.3', '2.3'].map((e) => [`cell.edge.${e}`, 5, undefined]),
  );
  assert.deepEqual(space.definition.cell, compiled(NB201_DEFINITION).definition.cell);
});

test('the Fashion-MNIST example: 2-6 layers of conv/pool/dense with skips', () => {
  const space = compiled(readJson('examples/fashion-mnist-layers.json'));
  assert.equal(space.kind, 'layers');
  // Layer 0: conv only (4 filters × 2 kernels); layers 1..5: 8 conv + 1 pool + 2 dense, times 2^(skip sources).
  const perLayer = [8n, 11n, 11n * 2n, 11n * 4n, 11n * 8n, 11n * 16n];
  let expected = 0n;
  for (let n = 2; n <= 6; n++) expected += perLayer.slice(0, n).reduce((a, b) => a * b, 1n);
  assert.equal(space.cardinality, expected * 3n * 2n);
  assert.equal(space.decisions[0].id, 'layers.count');
  assert.deepEqual(space.decisions[0].choices, [2, 3, 4, 5, 6]);
  const skip = space.decisions.find((d) => d.id === 'layers.5.skip.3');
  assert.deepEqual(skip?.condition, [{ decision: 0, oneOf: [4] }]);
  assert.ok(!space.decisions.some((d) => d.id.startsWith('layers.3.maxPool')), 'fixed settings are not decisions');
});

test('every one of the 15,625 NAS-Bench-201 cell strings parses, round-trips and has its own actions', () => {
  const csv = gunzipSync(readFileSync(join(ROOT, 'resources/nb201/nb201-12epoch.csv.gz'))).toString('utf8');
  const lines = csv.split('\n').filter((l) => l.length > 0);
  assert.deepEqual(lines[0].split(',').slice(0, 2), ['arch', 'cellstr']);
  const space = compiled(NB201_DEFINITION);
  const seen = new Set<string>();
  const fingerprints = new Set<string>();
  for (const line of lines.slice(1)) {
    const cellstr = line.split(',')[1];
    const parsed = parseNb201Cell(cellstr);
    assert.equal(parsed.nodes, 4);
    assert.equal(formatNb201Cell(parsed), cellstr);
    const arch = cellArchitectureFromString(cellstr);
    const actions = space.encode(arch);
    assert.equal(validateActions(space.decisions, actions).length, 0);
    const decoded = space.decode(actions) as CellArchitecture;
    assert.equal(space.label(decoded), cellstr);
    seen.add(actions.join(','));
    fingerprints.add(space.fingerprint(decoded));
  }
  assert.equal(lines.length - 1, 15625);
  assert.equal(seen.size, 15625);
  assert.equal(fingerprints.size, 15625);
});

test('malformed cell strings are rejected with a reason', () => {
  for (const bad of ['', '|a~0|+|b~1|c~0|+|d~0|e~1|f~2|', '|a~0|+|b~0|', 'a~0|+|b~0|c~1|', '|a~0|+|b~0|c~1|+|d~0|e~1|f~2|+', '|a~00|']) {
    assert.throws(() => parseNb201Cell(bad), SyntaxError, bad);
  }
  assert.deepEqual(parseNb201Cell('|a~0|'), { nodes: 2, edges: [{ from: 0, to: 1, op: 'a' }] });
  const space = compiled(NB201_DEFINITION);
  assert.throws(() => space.encode(cellArchitectureFromString('|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|')), /op conv is not one of/);
});

test('every example definition validates against its own compile (compileSpace accepts JSON text too)', () => {
  for (const file of ['examples/nb201-cell.json', 'examples/fashion-mnist-layers.json']) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const result = compileSpace(text);
    assert.ok(result.ok, file);
    // The normalised definition compiles to the same decisions.
    const again = compiled(result.space.definition);
    assert.deepEqual(again.decisions, result.space.decisions);
    assert.equal(again.cardinality, result.space.cardinality);
  }
});

test('the JSON examples in docs/search-space.md compile', () => {
  const doc = readFileSync(join(ROOT, 'docs/search-space.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 2);
  for (const block of blocks) {
    const result = compileSpace(JSON.parse(block));
    assert.ok(result.ok, `${block}\n${JSON.stringify(!result.ok && result.errors)}`);
  }
});
