import { GraphQLError, Kind, getOperationAST, type DocumentNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { Extensions } from 'type-graphql';
import { Permission, allows, type Principal } from '../../core/access/access.js';

/**
 * Every root field of the API declares the permission it needs, as an extension of the
 * field (so it lives in the schema and cannot drift from it). A root field that declares
 * nothing is refused to everyone, and a test walks the schema so that none ships so.
 */
export function Needs(permission: Permission): MethodDecorator {
  return Extensions({ permission });
}

const INTROSPECTION = new Set(['__typename', '__schema', '__type']);

/** The permission a root field declares, if any. */
export function declaredPermission(schema: GraphQLSchema, operation: 'query' | 'mutation' | 'subscription', field: string): Permission | undefined {
  const type = operation === 'query' ? schema.getQueryType() : operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  const permission = type?.getFields()[field]?.extensions.permission;
  return Object.values(Permission).includes(permission as Permission) ? (permission as Permission) : undefined;
}

function rootFields(document: DocumentNode, selectionSet: SelectionSetNode, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) names.push(selection.name.value);
    else if (selection.kind === Kind.INLINE_FRAGMENT) names.push(...rootFields(document, selection.selectionSet, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) names.push(...rootFields(document, fragment.selectionSet, seen));
    }
  }
  return names;
}

function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
}

/**
 * Checks, before anything executes, that the principal may use every root field the
 * operation selects (aliases and fragments included). The same check runs for HTTP and
 * for WebSocket operations, subscriptions at subscribe time.
 */
export function authorizeOperation(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, principal: Principal): void {
  const operation = getOperationAST(document, operationName);
  if (operation == null) return; // graphql's own validation reports a missing or ambiguous operation
  for (const field of new Set(rootFields(document, operation.selectionSet))) {
    if (INTROSPECTION.has(field)) continue;
    const permission = declaredPermission(schema, operation.operation, field);
    if (permission === undefined) throw forbidden(`${operation.operation} field ${field} declares no permission, so nobody may use it`);
    if (!allows(principal.role, permission)) {
      throw forbidden(`${field} needs the ${permission} permission, which the ${principal.role} role does not have`);
    }
  }
}

/** The root fields an operation selects, for the audit trail. */
export function selectedRootFields(document: DocumentNode, operationName: string | null | undefined): { operation: string; fields: string[] } | null {
  const operation = getOperationAST(document, operationName);
  return operation == null ? null : { operation: operation.operation, fields: [...new Set(rootFields(document, operation.selectionSet))] };
}
