import { Kind, createSourceEventStream, execute, getOperationAST, print, visit, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GraphQLContext } from '../common/context.js';
import { createLoaders } from '../loaders.js';

/**
 * graphql-js's `subscribe`, with two changes that matter once many clients watch one
 * experiment:
 *
 * - Each event is executed with a context of its own (fresh DataLoaders, so the fields of
 *   a long subscription never answer from an earlier event's reads).
 * - Subscribers that sent the same operation (document, operation name and variables,
 *   but for where each starts: `after`) under the same role and project scope share one
 *   execution per event: graphql-js would
 *   run the selection, its field resolvers and their database reads once per subscriber,
 *   which at 10,000 dashboards on one experiment is the whole cost of a fan-out. The shared
 *   result is what each of them would have computed: no field's value depends on who
 *   asks beyond role and scope (rights are checked on the root fields before anything
 *   runs, src/graphql/auth/permission.ts), and the errors in it are formatted per
 *   subscriber afterwards, each under its own request id.
 *
 * An event is shared when it is one object: the event feed hands every live subscriber of
 * an experiment the same event (src/core/events/event-feed.ts). A result is kept as long as
 * its event is, no longer (a WeakMap on the event).
 */
export function sharedSubscribe(): (args: ExecutionArgs) => Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const executions = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  return async (args) => {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const context = args.contextValue as GraphQLContext;
    const key = JSON.stringify([...operationKey(args.document, args.operationName, args.variableValues), context.principal.role, context.principal.project]);
    const run = (event: unknown): Promise<ExecutionResult> =>
      Promise.resolve(execute({ ...args, rootValue: event, contextValue: { ...context, loaders: createLoaders(context.services) } satisfies GraphQLContext }));
    return mapped(source, (event) => {
      if (typeof event !== 'object' || event === null) return run(event);
      let results = executions.get(event);
      if (results === undefined) executions.set(event, (results = new Map()));
      let result = results.get(key);
      if (result === undefined) results.set(key, (result = run(event)));
      return result;
    });
  };
}

/**
 * Every subscription's `after` (src/graphql/common/resume.ts) says where its stream starts
 * and nothing about what an event looks like: dashboards that resume from different
 * cursors still receive the same objects.
 */
const STREAM_POSITION = 'after';

/** The operation as text and its variables, both without the subscription's `after`. */
function operationKey(document: DocumentNode, operationName: string | null | undefined, variables: Readonly<Record<string, unknown>> | null | undefined): [string, string | null, unknown] {
  const operation = getOperationAST(document, operationName);
  const root = operation?.selectionSet.selections[0];
  const position = root?.kind === Kind.FIELD ? root.arguments?.find((a) => a.name.value === STREAM_POSITION) : undefined;
  if (position === undefined) return [document.loc?.source.body ?? print(document), operationName ?? null, variables ?? null];
  let uses = 0;
  const positionVariable = position.value.kind === Kind.VARIABLE ? position.value.name.value : null;
  visit(document, { Variable: (node) => void (node.name.value === positionVariable && (uses += 1)) });
  const stripped = visit(document, { Argument: (node) => (node === position ? null : undefined) });
  // Used once in a definition and once as the argument: nowhere else, so it is the position alone.
  const rest = positionVariable !== null && uses === 2 ? Object.fromEntries(Object.entries(variables ?? {}).filter(([name]) => name !== positionVariable)) : (variables ?? null);
  return [print(stripped), operationName ?? null, rest];
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/**
 * The source's values through `map`, as graphql-js's own mapAsyncIterator does it:
 * `return` reaches the source at once, even while a `next` waits for an event (an async
 * generator would wait for that event first, and a subscription nobody reads any more
 * would stay subscribed until the experiment's next event).
 */
function mapped<T, U>(iterable: AsyncIterable<T>, map: (value: T) => Promise<U>): AsyncGenerator<U> {
  const source = iterable[Symbol.asyncIterator]();
  const settle = async (result: IteratorResult<T>): Promise<IteratorResult<U>> => {
    if (result.done) return { value: undefined, done: true };
    try {
      return { value: await map(result.value), done: false };
    } catch (error) {
      await source.return?.().catch(() => undefined);
      throw error;
    }
  };
  const generator: AsyncGenerator<U> = {
    next: async () => settle(await source.next()),
    return: async () => (source.return ? settle(await source.return()) : { value: undefined, done: true }),
    throw: async (error: unknown) => {
      if (source.throw) return settle(await source.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]: () => generator,
  };
  return generator;
}
