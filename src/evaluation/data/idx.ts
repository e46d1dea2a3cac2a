import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './dataset.js';

/** The IDX (MNIST) format: 0x00 0x00, a type byte, a rank byte, big-endian int32 dims, data. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const UBYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/** Parses an IDX buffer; gzip is detected from its magic bytes, not the file name. */
export function parseIdx(buffer: Uint8Array, source = 'idx'): IdxArray {
  let bytes = buffer;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DatasetError(source, `corrupt gzip stream (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new DatasetError(source, `too short for an IDX header (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(source, `bad IDX magic 0x${hex(bytes[0])}${hex(bytes[1])}, expected 0x0000`);
  }
  const type = bytes[2];
  if (type !== UBYTE) {
    const name = TYPE_NAMES[type];
    throw new DatasetError(source, name ? `IDX element type ${name} is not supported (only unsigned bytes)` : `unknown IDX element type 0x${hex(type)}`);
  }
  const rank = bytes[3];
  if (rank < 1) throw new DatasetError(source, 'IDX rank 0 has no samples');
  const headerSize = 4 + 4 * rank;
  if (bytes.length < headerSize) throw new DatasetError(source, `truncated IDX header: rank ${rank} needs ${headerSize} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerSize;
  if (actual !== expected) {
    throw new DatasetError(source, `IDX dims [${dims.join(', ')}] need ${expected} data bytes, file has ${actual}`);
  }
  return { dims, data: bytes.subarray(headerSize) };
}

export function readIdx(path: string): IdxArray {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (err) {
    throw new DatasetError(path, `cannot read IDX file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseIdx(buffer, path);
}

/** Encodes bytes as IDX; used by tests and by anyone exporting a subset. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
