/**
 * Float32 arrays as base64 of their little-endian bytes: a third of the size of JSON
 * number lists for checkpoints written on every update, and bit-exact by construction.
 */

export function encodeFloat32(values: Float32Array): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

export function decodeFloat32(encoded: string, expectedLength: number): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length !== expectedLength * 4) throw new RangeError(`expected ${expectedLength} float32 values, got ${bytes.length / 4}`);
  const values = new Float32Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) values[i] = bytes.readFloatLE(i * 4);
  return values;
}
