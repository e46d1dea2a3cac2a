import { validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { LRUCache } from 'lru-cache';
import { operationCost, type CostResult } from './cost.js';
import { parseWithinTokens, shapeRules } from './document-rules.js';
import { limitExceeded } from './limit-error.js';

export { PAGE_COST, listCost } from './cost.js';
export { PrincipalRateLimiter } from './rate-limit.js';
export { hideSuggestions } from './suggestions.js';

export interface DocumentLimits {
  readonly maxTokens: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
}

/**
 * What an operation may ask for, measured before any of it runs, by the same code on
 * HTTP and WebSocket: its size in tokens while it is parsed, then its depth, aliases,
 * directives (graphql-armor) and cost (graphql-query-complexity, with its variables).
 * Every refusal is a LIMIT_EXCEEDED error naming the limit.
 */
export class OperationLimits {
  private readonly rules: readonly ValidationRule[];
  /**
   * A dashboard sends the same few documents, with the same variables, every second:
   * what was measured of a document is kept, by its text (the parse) and by the parsed
   * document (its shape passed; its cost under each set of variables). Apollo reuses one parsed
   * document per text, as the WebSocket transport reuses ours, so the keys stay stable.
   */
  private readonly parsed = new LRUCache<string, DocumentNode>({ max: 500 });
  private readonly measured = new WeakMap<DocumentNode, LRUCache<string, CostResult>>();

  constructor(
    private readonly schema: GraphQLSchema,
    readonly limits: DocumentLimits,
  ) {
    this.rules = shapeRules(limits);
  }

  /** Only what passed is kept: a refused text is parsed, and refused, anew. */
  parse(source: string): DocumentNode {
    let document = this.parsed.get(source);
    if (document === undefined) {
      document = parseWithinTokens(source, this.limits.maxTokens);
      if (source.length <= MAX_KEPT_SOURCE) this.parsed.set(source, document);
    }
    return document;
  }

  /** For a document graphql's own rules have validated, and the operation that will run. */
  check(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined): void {
    let costs = this.measured.get(document);
    if (costs === undefined) {
      const [refused] = validate(this.schema, document, this.rules);
      if (refused !== undefined) throw refused;
      costs = new LRUCache({ max: 64 });
      this.measured.set(document, costs);
    }
    // The cost reads the variables; those of one dashboard's polls repeat. Large ones
    // (a mutation's input) are counted each time rather than kept as keys.
    const key = `${operation.name?.value ?? ''}\u0000${JSON.stringify(variables ?? {})}`;
    const keep = key.length <= MAX_KEPT_VARIABLES;
    let result = keep ? costs.get(key) : undefined;
    if (result === undefined) {
      result = operationCost(this.schema, document, operation, variables);
      if (keep) costs.set(key, result);
    }
    const max = this.limits.maxCost;
    if ('tooLarge' in result) throw limitExceeded('cost', max, `the operation expands past what the cost limit of ${max} could allow`);
    if (result.cost > max) throw limitExceeded('cost', max, `the operation costs ${result.cost}; the limit is ${max}`, { cost: result.cost });
  }
}

const MAX_KEPT_SOURCE = 16_384;
const MAX_KEPT_VARIABLES = 1_024;
