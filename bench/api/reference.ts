import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { buildSchema, printSchema, type GraphQLSchema } from 'graphql';

/**
 * The reference of bench/api.ts: a bare Apollo Server 5 on express 5 with our schema's SDL
 * and no resolvers but graphql-js's defaults, answering from `data` (our own answers,
 * recorded once). It parses, validates and executes the same documents over the same
 * types and returns the same bytes; what it does not do (authenticate, guard, limit, read
 * the database) is what the ratio to it measures.
 */
export async function startReference(schema: GraphQLSchema, data: Readonly<Record<string, unknown>>): Promise<{ url: string; close(): Promise<void> }> {
  // Root fields answer the recorded values; every field below them is a property read.
  const rootValue = Object.fromEntries(Object.entries(data).map(([field, value]) => [field, () => value]));
  const apollo = new ApolloServer({ schema: buildSchema(printSchema(schema)), rootValue });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo, { context: async () => ({}) }));
  const http: Server = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    async close() {
      await apollo.stop();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
