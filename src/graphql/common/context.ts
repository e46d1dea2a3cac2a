import type { createPubSub } from '@graphql-yoga/subscription';
import type { Services } from '../../core/services.js';
import type { Topic, TopicPayloads } from '../../core/events/topics.js';

/** Per-process pubsub: the event bus feeds it, subscriptions read it, keyed by experiment id. */
export type LocalPubSub = ReturnType<typeof createPubSub<{ [T in Topic]: [key: string, payload: TopicPayloads[T]] }>>;

export interface GraphQLContext {
  readonly services: Services;
  readonly pubSub: LocalPubSub;
}
