import { validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type ValidationRule } from 'graphql';
import { operationCost } from './cost.js';
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

  constructor(
    private readonly schema: GraphQLSchema,
    readonly limits: DocumentLimits,
  ) {
    this.rules = shapeRules(limits);
  }

  parse(source: string): DocumentNode {
    return parseWithinTokens(source, this.limits.maxTokens);
  }

  /** For a document graphql's own rules have validated, and the operation that will run. */
  check(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | undefined): void {
    const [refused] = validate(this.schema, document, this.rules);
    if (refused !== undefined) throw refused;
    const result = operationCost(this.schema, document, operation, variables);
    const max = this.limits.maxCost;
    if ('tooLarge' in result) throw limitExceeded('cost', max, `the operation expands past what the cost limit of ${max} could allow`);
    if (result.cost > max) throw limitExceeded('cost', max, `the operation costs ${result.cost}; the limit is ${max}`, { cost: result.cost });
  }
}
