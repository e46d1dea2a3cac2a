import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DatasetError } from '../../../src/evaluation/data/dataset.js';
import { encodeIdx, parseIdx, readIdx } from '../../../src/evaluation/data/idx.js';
import { loadIdxPair } from '../../../src/evaluation/data/idx-source.js';

const images = encodeIdx([3, 2, 2], Uint8Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
const labels = encodeIdx([3], Uint8Array.from([2, 0, 1]));

test('IDX round trip, plain and gzipped', () => {
  for (const buf of [images, gzipSync(images)]) {
    const arr = parseIdx(buf);
    assert.deepEqual(arr.dims, [3, 2, 2]);
    assert.deepEqual([...arr.data], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  }
});

test('IDX errors name the problem', () => {
  const bad = Uint8Array.from(images);
  bad[0] = 1;
  assert.throws(() => parseIdx(bad, 'f'), /f: bad IDX magic/);
  const float = Uint8Array.from(images);
  float[2] = 0x0d;
  assert.throws(() => parseIdx(float), /float32 is not supported/);
  assert.throws(() => parseIdx(images.subarray(0, images.length - 1)), /need 12 data bytes, file has 11/);
  assert.throws(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0])), /truncated IDX header/);
  assert.throws(() => parseIdx(Uint8Array.from([0x1f, 0x8b, 1, 2])), /corrupt gzip/);
  assert.throws(() => readIdx('/nonexistent/file'), (e: unknown) => e instanceof DatasetError && /ENOENT/.test(e.message));
});

test('an images/labels pair loads as a dataset, mismatches are rejected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-'));
  writeFileSync(join(dir, 'i.gz'), gzipSync(images));
  writeFileSync(join(dir, 'l'), labels);
  writeFileSync(join(dir, 'l2'), encodeIdx([2], Uint8Array.from([0, 1])));
  const d = loadIdxPair(join(dir, 'i.gz'), join(dir, 'l'));
  assert.equal(d.count, 3);
  assert.deepEqual([d.height, d.width, d.channels, d.numClasses, d.scale], [2, 2, 1, 3, 255]);
  assert.deepEqual([...d.y], [2, 0, 1]);
  assert.throws(() => loadIdxPair(join(dir, 'i.gz'), join(dir, 'l2')), /2 labels for 3 images/);
  assert.throws(() => loadIdxPair(join(dir, 'i.gz'), join(dir, 'l'), 2), /label 2 at index 0 is outside \[0, 2\)/);
  assert.throws(() => loadIdxPair(join(dir, 'l'), join(dir, 'l')), /images must have rank 3/);
});
