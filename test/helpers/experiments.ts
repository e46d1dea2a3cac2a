import { NB201_SPACE } from './fixtures.js';
import { gqlOk } from './graphql-client.js';

/**
 * Creates a search space and an experiment on it through GraphQL, as a client would;
 * returns the experiment id. `input` is `CreateExperimentInput` without the space id.
 */
export async function createExperimentVia(url: string, input: Record<string, unknown>, definition: unknown = NB201_SPACE()): Promise<string> {
  const space = await gqlOk<{ createSearchSpace: { id: string } }>(
    url,
    `mutation($d: JSON!) { createSearchSpace(input: { name: "test space", definition: $d }) { id } }`,
    { d: definition },
  );
  const created = await gqlOk<{ createExperiment: { id: string } }>(
    url,
    `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
    { input: { ...input, searchSpaceId: space.createSearchSpace.id } },
  );
  return created.createExperiment.id;
}
