import 'reflect-metadata';
import './common/enums.js';
import { createPubSub } from '@graphql-yoga/subscription';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type ResolverData } from 'type-graphql';
import type { Services } from '../core/services.js';
import { AccessResolver } from './access/access.resolver.js';
import { ExperimentResolver } from './experiment/experiment.resolver.js';
import { FinalizationResolver } from './finalization/finalization.resolver.js';
import { SearchSpaceResolver } from './search-space/search-space.resolver.js';
import { TrialWorkerResolver } from './trial/trial-worker.resolver.js';
import { TrialResolver } from './trial/trial.resolver.js';
import { TrialEvaluationResolver } from './worker/trial-evaluation.resolver.js';
import { WorkerResolver } from './worker/worker.resolver.js';

export const RESOLVERS = [SearchSpaceResolver, ExperimentResolver, FinalizationResolver, TrialResolver, TrialWorkerResolver, AccessResolver, WorkerResolver, TrialEvaluationResolver] as const;

type ResolverClass = new (services: Services) => object;

/**
 * Builds the schema with resolvers bound to this process's services. A schema per server
 * (not a module singleton) lets tests run several servers in one process.
 */
export async function createSchema(services: Services | null): Promise<GraphQLSchema> {
  const instances = new Map<ResolverClass, object>();
  const container = {
    get(someClass: ResolverClass, _data: ResolverData<object>): object {
      if (services === null) throw new Error('schema built without services (schema printing only)');
      let instance = instances.get(someClass);
      if (!instance) {
        instance = new someClass(services);
        instances.set(someClass, instance);
      }
      return instance;
    },
  };
  return buildSchema({
    resolvers: [...RESOLVERS],
    container,
    validate: false,
    // Subscriptions read the services' event feed (src/core/events/event-feed.ts); this
    // one only satisfies the builder's check that a pubsub exists.
    pubSub: createPubSub(),
  });
}
