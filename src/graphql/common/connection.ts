import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import type { Page } from '../../core/storage/pagination.js';

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field() hasNextPage!: boolean;
  @Field() hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

export interface ConnectionShape<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** A Relay cursor connection over `node`'s type, named `<Name>Connection` / `<Name>Edge`. */
export function Connection<T extends object>(name: string, node: ClassType<T>): ClassType<ConnectionShape<T>> {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field() cursor!: string;
    @Field(() => node) node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType {
    @Field(() => [Edge]) edges!: Edge[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    @Field(() => Int, { description: 'All items matching the filters, over every page.' }) totalCount!: number;
  }
  return ConnectionType;
}

export function toConnection<T>(page: Page<T>): ConnectionShape<T> {
  const edges = page.items.map((i) => ({ cursor: i.cursor, node: i.node }));
  return {
    edges,
    totalCount: page.totalCount,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
