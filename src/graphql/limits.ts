import { GraphQLError, Kind, type ASTVisitor, type ValidationContext, type SelectionSetNode } from 'graphql';

/**
 * Rejects operations nested deeper than `maxDepth` fields. Experiments nest trials which
 * nest their experiment again: without a bound one request could fan out without end.
 */
export function depthLimit(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(context.getDocument().definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])));
    const depth = (set: SelectionSetNode | undefined, level: number, seen: Set<string>): number => {
      if (!set) return level;
      let max = level;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.name.value.startsWith('__')) continue;
          max = Math.max(max, depth(s.selectionSet, level + 1, seen));
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depth(s.selectionSet, level, seen));
        } else {
          const name = s.name.value;
          const fragment = fragments.get(name);
          if (fragment && !seen.has(name)) max = Math.max(max, depth(fragment.selectionSet, level, new Set([...seen, name])));
        }
        if (max > maxDepth) return max;
      }
      return max;
    };
    return {
      OperationDefinition(node) {
        const d = depth(node.selectionSet, 0, new Set());
        if (d > maxDepth) {
          context.reportError(
            new GraphQLError(`operation is nested ${d} levels deep; the limit is ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          );
        }
      },
    };
  };
}
