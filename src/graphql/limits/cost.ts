import { Kind, getNamedType, getNullableType, isCompositeType, isLeafType, isListType, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../core/storage/pagination.js';

/**
 * How the cost of an operation is counted, by graphql-query-complexity (which reads the
 * arguments as the operation's variables and the schema's defaults make them):
 *
 * - every object a field returns costs 1; scalars and enums are free (they come with
 *   their row);
 * - a list field declares its cost with type-graphql's `complexity` option, as one
 *   item's cost times the number of items it may return: `first` (or the default page
 *   size), `top`, `limit`, or an assumed size where the list has no argument.
 *
 * So `experiments > trials(first: $n) > experiment > trials(first: $n)` costs what it
 * would fetch, whether `$n` is written inline, passed as a variable or left to the
 * default page size.
 */

export interface ListSize {
  /** The argument that bounds the list, if it has one. */
  readonly argument?: string;
  /** Items when the argument is absent: its default, or what such a list usually holds. */
  readonly fallback: number;
  /**
   * What the resolver accepts at most. A larger value is weighed as the largest, so the
   * resolver, not the cost limit, answers it with its own BAD_USER_INPUT.
   */
  readonly max?: number;
}

/**
 * The `complexity` of a list field: 1 for the list, plus, once per item, the item (an
 * object of a plain list) and its selection. A connection's items are its edges and
 * nodes, which count themselves.
 */
export function listCost(size: ListSize): ComplexityEstimator {
  const max = size.max ?? size.fallback;
  return ({ field, args, childComplexity }) => {
    const given: unknown = size.argument === undefined ? undefined : args[size.argument];
    const items = typeof given === 'number' && Number.isInteger(given) ? Math.min(Math.max(given, 0), max) : size.fallback;
    const item = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type)) ? 1 : 0;
    return 1 + items * (item + childComplexity);
  };
}

/** A Relay connection: `first` items, 50 unless given, at most 500 (core/storage/pagination.ts). */
export const PAGE_COST = listCost({ argument: 'first', fallback: DEFAULT_PAGE_SIZE, max: MAX_PAGE_SIZE });

/** Objects cost 1 plus what is selected inside them; scalars and enums nothing. */
const objectEstimator: ComplexityEstimator = ({ field, childComplexity }) => (isLeafType(getNamedType(field.type)) ? 0 : 1 + childComplexity);

const ESTIMATORS = [fieldExtensionsEstimator(), objectEstimator];

/**
 * graphql-query-complexity walks every spread of a fragment anew, so a document whose
 * fragments spread each other twice (a 0.9 KB fan-out) would be walked to its node cap
 * at a few microseconds a node. The expansion is sized first, each fragment once, and
 * an operation that expands past the cap (the library's own default) is refused: within
 * 1,000 tokens no honest operation comes near it.
 */
const MAX_EXPANDED_SELECTIONS = 10_000;

/** Selections of the operation with every fragment spread inlined, counting each fragment's size once. */
function expandedSelections(operation: OperationDefinitionNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>): number {
  const sizes = new Map<string, number>();
  const size = (set: SelectionSetNode | undefined): number => {
    let total = 0;
    for (const selection of set?.selections ?? []) {
      total += 1;
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        if (!sizes.has(name)) {
          sizes.set(name, 0); // a cycle (graphql's rules refuse them) adds nothing
          sizes.set(name, size(fragments.get(name)?.selectionSet));
        }
        total += sizes.get(name) ?? 0;
      } else total += size(selection.selectionSet);
      if (total > MAX_EXPANDED_SELECTIONS) return total;
    }
    return total;
  };
  return size(operation.selectionSet);
}

export type CostResult = { readonly cost: number } | { readonly tooLarge: true };

/**
 * The cost of one operation of a validated document, with its variables. Throws
 * graphql's own error when the variables do not fit the operation (the same error
 * execution would raise).
 */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined): CostResult {
  // The one operation and the fragments: the library counts every operation of a
  // document, and would read `operation.name` of an anonymous one.
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  if (expandedSelections(operation, new Map(fragments.map((f) => [f.name.value, f]))) > MAX_EXPANDED_SELECTIONS) return { tooLarge: true };
  const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
  return { cost: getComplexity({ schema, query: single, variables: { ...variables }, estimators: ESTIMATORS, maxQueryNodes: MAX_EXPANDED_SELECTIONS + 1 }) };
}
