import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fashionMnistAvailable, fashionMnistDir, loadFashionMnist } from '../../../src/evaluation/data/idx-source.js';
import { prepareData } from '../../../src/evaluation/data/prepare.js';

const available = fashionMnistAvailable();
if (!available) {
  console.warn(`\n!!! Fashion-MNIST not found in ${fashionMnistDir()}: install Debian's dataset-fashion-mnist or set GRAPHNAS_FASHION_MNIST_DIR. Skipping the real-data test. !!!\n`);
}

test('Fashion-MNIST loads from the Debian package and prepares at 14×14', { skip: !available && 'Fashion-MNIST files missing (see warning above)' }, () => {
  const raw = loadFashionMnist();
  assert.equal(raw.count, 60000);
  assert.deepEqual([raw.height, raw.width, raw.channels, raw.numClasses], [28, 28, 1, 10]);
  const perClass = new Array(10).fill(0);
  for (const y of raw.y) perClass[y]++;
  assert.deepEqual(perClass, new Array(10).fill(6000));
  const d = prepareData({ dataset: { source: 'fashion-mnist' }, validationFraction: 0.1, splitSeed: 0, trainSubset: 500, valSubset: 100, resolution: 14 });
  assert.deepEqual(d.inputShape, [14, 14, 1]);
  const trainClasses = new Array(10).fill(0);
  for (const y of d.train.y) trainClasses[y]++;
  assert.deepEqual(trainClasses, new Array(10).fill(50), 'subset is stratified');
  const mean = d.train.x.reduce((a, b) => a + b, 0) / d.train.x.length;
  assert.ok(Math.abs(mean) < 1e-3, `standardised mean ${mean}`);
});
