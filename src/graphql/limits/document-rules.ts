import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type DocumentNode, type ValidationContext, type ValidationRule } from 'graphql';
import { limitExceeded, type LimitName } from './limit-error.js';

/**
 * graphql-armor reports every refusal as "Syntax Error: …", which it is not; the rest of
 * its message names the limit and what was found.
 */
function refusalMessage(error: GraphQLError): string {
  return error.message.replace(/^Syntax Error: /, '');
}

/**
 * armor's rules throw by default, which would escape graphql's `validate` as an
 * unexpected error (a 500 on Apollo); reporting into the context keeps them ordinary,
 * coded validation errors.
 */
function reportInto(limit: LimitName, max: number) {
  return {
    n: max,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitExceeded(limit, max, refusalMessage(error)))],
  };
}

export interface ShapeLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
}

/**
 * Depth, aliases and directives, counted by graphql-armor's rules. Each rule visits a
 * fragment once however often it is spread (it memoises the fragment's count), so a
 * document whose fragments fan out exponentially costs what its text costs.
 */
export function shapeRules(limits: ShapeLimits): ValidationRule[] {
  return [
    // Depth as the response nests: fragments add no level of their own, and
    // introspection (`__schema`, deep by nature) is not counted.
    maxDepthRule({ ...reportInto('depth', limits.maxDepth), flattenFragments: true, ignoreIntrospection: true }),
    maxAliasesRule(reportInto('aliases', limits.maxAliases)),
    maxDirectivesRule(reportInto('directives', limits.maxDirectives)),
  ];
}

/**
 * Parses a document, refusing it as soon as its lexer has seen more than `maxTokens`
 * tokens: a 990k-element inline list costs a thousand tokens of work, not a million.
 * Other syntax errors come out as graphql's own, coded GRAPHQL_PARSE_FAILED.
 */
export function parseWithinTokens(source: string, maxTokens: number): DocumentNode {
  const seen: { refusal?: GraphQLError } = {};
  try {
    const parser = new MaxTokensParserWLexer(source, {
      n: maxTokens,
      exposeLimits: true,
      onReject: [(_context, error) => (seen.refusal = error)],
      propagateOnRejection: true,
    });
    return parser.parseDocument();
  } catch (error) {
    if (seen.refusal !== undefined) throw limitExceeded('tokens', maxTokens, refusalMessage(seen.refusal));
    if (error instanceof GraphQLError) {
      throw new GraphQLError(error.message, { source: error.source, positions: error.positions, extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } });
    }
    throw error;
  }
}
