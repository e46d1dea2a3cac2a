import { ArgsType, Field, InputType, Int } from 'type-graphql';
import type { SpaceFormat as SpaceFormatValue } from '../../core/search-spaces/search-space.service.js';
import { SpaceFormat } from '../common/enums.js';
import { JSONScalar } from '../common/scalars.js';

@InputType()
export class CreateSearchSpaceInput {
  @Field() name!: string;
  @Field(() => JSONScalar, { description: 'The search-space document (docs/search-space.md), or an NNI search space with format NNI.' })
  definition!: unknown;
  @Field(() => SpaceFormat, { defaultValue: 'GRAPHNAS' }) format!: SpaceFormatValue;
  @Field(() => String, { nullable: true, description: "The project it belongs to: default, the caller's own project for a scoped key, else `default`." })
  project?: string | null;
}

@ArgsType()
export class SearchSpacesArgs {
  @Field(() => Int, { nullable: true, description: 'Page size (default 50, at most 500).' }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field(() => String, { nullable: true }) nameContains?: string;
  @Field(() => String, { nullable: true, description: 'Only this project (a scoped key sees its own project only anyway).' }) project?: string;
}
