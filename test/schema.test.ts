import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SCHEMA_FILE, printedSchema } from '../src/cli.js';

test('schema.graphql is the schema the code builds (run `npm run schema` after changing the API)', async () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), await printedSchema());
});
