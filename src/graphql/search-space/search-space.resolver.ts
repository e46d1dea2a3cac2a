import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Permission } from '../../core/access/access.js';
import type { Services } from '../../core/services.js';
import type { SpaceFormat as SpaceFormatValue } from '../../core/search-spaces/search-space.service.js';
import { pageRequest } from '../../core/storage/pagination.js';
import type { SearchSpaceRecord } from '../../core/storage/records.js';
import { Needs } from '../auth/permission.js';
import { Connection, toConnection, type ConnectionShape } from '../common/connection.js';
import { scopeOf, type GraphQLContext } from '../common/context.js';
import { SpaceFormat } from '../common/enums.js';
import { JSONScalar } from '../common/scalars.js';
import { PAGE_COST, listCost } from '../limits/index.js';
import { CreateSearchSpaceInput, SearchSpacesArgs } from './search-space.input.js';
import { Decision, SearchSpace, SpaceValidation } from './search-space.type.js';

export const SearchSpaceConnection = Connection('SearchSpace', SearchSpace);

@Resolver(() => SearchSpace)
export class SearchSpaceResolver {
  constructor(private readonly services: Services) {}

  @Query(() => SearchSpaceConnection, { complexity: PAGE_COST })
  @Needs(Permission.READ)
  async searchSpaces(@Args() args: SearchSpacesArgs, @Ctx() ctx: GraphQLContext): Promise<ConnectionShape<SearchSpaceRecord>> {
    const filter = { nameContains: args.nameContains, project: args.project };
    return toConnection(await this.services.searchSpaces.list(filter, pageRequest(args.first, args.after), scopeOf(ctx)));
  }

  @Query(() => SearchSpace, { nullable: true })
  @Needs(Permission.READ)
  searchSpace(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.get(id, scopeOf(ctx));
  }

  @Query(() => SpaceValidation, { description: 'Checks a definition without storing it.' })
  @Needs(Permission.READ)
  validateSearchSpace(
    @Arg('definition', () => JSONScalar) definition: unknown,
    @Arg('format', () => SpaceFormat, { defaultValue: 'GRAPHNAS' }) format: SpaceFormatValue,
  ): SpaceValidation {
    return this.services.searchSpaces.validate(definition, format) as SpaceValidation;
  }

  @Mutation(() => SearchSpace)
  @Needs(Permission.OPERATE)
  createSearchSpace(@Arg('input') input: CreateSearchSpaceInput, @Ctx() ctx: GraphQLContext): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.create(input, scopeOf(ctx));
  }

  @Mutation(() => SearchSpace)
  @Needs(Permission.OPERATE)
  renameSearchSpace(@Arg('id', () => ID) id: string, @Arg('name') name: string, @Ctx() ctx: GraphQLContext): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.rename(id, name, scopeOf(ctx));
  }

  @Mutation(() => ID, { description: 'Fails with CONFLICT while an experiment uses the space.' })
  @Needs(Permission.OPERATE)
  async deleteSearchSpace(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    await this.services.searchSpaces.delete(id, scopeOf(ctx));
    return id;
  }

  // As many as the space has; tens for the spaces of the examples.
  @FieldResolver(() => [Decision], { complexity: listCost({ fallback: 50 }) })
  decisions(@Root() space: SearchSpaceRecord): readonly unknown[] {
    return space.decisions;
  }
}
