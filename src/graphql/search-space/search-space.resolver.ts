import { Arg, Args, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Services } from '../../core/services.js';
import type { SpaceFormat as SpaceFormatValue } from '../../core/search-spaces/search-space.service.js';
import { pageRequest } from '../../core/storage/pagination.js';
import type { SearchSpaceRecord } from '../../core/storage/records.js';
import { Connection, toConnection, type ConnectionShape } from '../common/connection.js';
import { SpaceFormat } from '../common/enums.js';
import { JSONScalar } from '../common/scalars.js';
import { CreateSearchSpaceInput, SearchSpacesArgs } from './search-space.input.js';
import { Decision, SearchSpace, SpaceValidation } from './search-space.type.js';

export const SearchSpaceConnection = Connection('SearchSpace', SearchSpace);

@Resolver(() => SearchSpace)
export class SearchSpaceResolver {
  constructor(private readonly services: Services) {}

  @Query(() => SearchSpaceConnection)
  async searchSpaces(@Args() args: SearchSpacesArgs): Promise<ConnectionShape<SearchSpaceRecord>> {
    return toConnection(await this.services.searchSpaces.list({ nameContains: args.nameContains }, pageRequest(args.first, args.after)));
  }

  @Query(() => SearchSpace, { nullable: true })
  searchSpace(@Arg('id', () => ID) id: string): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.get(id);
  }

  @Query(() => SpaceValidation, { description: 'Checks a definition without storing it.' })
  validateSearchSpace(
    @Arg('definition', () => JSONScalar) definition: unknown,
    @Arg('format', () => SpaceFormat, { defaultValue: 'GRAPHNAS' }) format: SpaceFormatValue,
  ): SpaceValidation {
    return this.services.searchSpaces.validate(definition, format) as SpaceValidation;
  }

  @Mutation(() => SearchSpace)
  createSearchSpace(@Arg('input') input: CreateSearchSpaceInput): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.create(input);
  }

  @Mutation(() => SearchSpace)
  renameSearchSpace(@Arg('id', () => ID) id: string, @Arg('name') name: string): Promise<SearchSpaceRecord> {
    return this.services.searchSpaces.rename(id, name);
  }

  @Mutation(() => ID, { description: 'Fails with CONFLICT while an experiment uses the space.' })
  async deleteSearchSpace(@Arg('id', () => ID) id: string): Promise<string> {
    await this.services.searchSpaces.delete(id);
    return id;
  }

  @FieldResolver(() => [Decision])
  decisions(@Root() space: SearchSpaceRecord): readonly unknown[] {
    return space.decisions;
  }
}
