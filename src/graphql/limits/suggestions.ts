import { blockFieldSuggestionsDefaultOptions } from '@escape.tech/graphql-armor-block-field-suggestions';

/**
 * graphql-js answers a misspelt field, argument, type or enum value with "Did you mean
 * …?", which spells out the schema to whoever probes it. graphql-armor's blocker is an
 * envelop plugin over validation errors (its Apollo flavour, in the meta package, is a
 * regex over messages); neither sees the same hints that variables earn at execution,
 * and its pattern misses graphql-js's other wordings ("Did you mean the enum value …?",
 * "Did you mean to use an inline fragment on …?"). So the one error mapping applies this
 * to every message it lets through, on both transports, with armor's mask.
 */
const SUGGESTION = / ?Did you mean [^?]*\?/g;

export function hideSuggestions(message: string): string {
  return message.replace(SUGGESTION, ` ${blockFieldSuggestionsDefaultOptions.mask}`).trim();
}
