import { getOperationAST, type DocumentNode } from 'graphql';
import { selectedRootFields } from '../auth/permission.js';

/**
 * Told of every operation either transport ran, once it has been answered (a
 * subscription: once it ended), for /metrics. `operation` is called as the operation
 * starts and returns what to call with the codes of its errors (none: it went well).
 */
export interface OperationObserver {
  operation(transport: 'http' | 'websocket', type: string, name: string): (errorCodes: readonly string[]) => void;
}

/** The operation's type, and the name it is counted under: its own, or its root fields when it has none. */
export function operationIdentity(document: DocumentNode, operationName: string | null | undefined): { type: string; name: string } {
  const operation = getOperationAST(document, operationName);
  if (operation == null) return { type: 'unknown', name: '(unresolved)' };
  const name = operation.name?.value ?? (selectedRootFields(document, operationName)?.fields.sort().join('+') || '(anonymous)');
  return { type: operation.operation, name };
}

/** The codes of formatted GraphQL errors, in order. */
export function errorCodes(errors: readonly { readonly extensions?: Readonly<Record<string, unknown>> }[] | undefined): string[] {
  return (errors ?? []).map((e) => (typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR'));
}
