import { GraphQLJSON } from 'graphql-scalars';

/** Any JSON value: search-space definitions, architectures, plugin options. */
export const JSONScalar = GraphQLJSON;
