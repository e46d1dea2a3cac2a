import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { SpaceKind as SpaceKindValue } from '../../space/types.js';
import { SpaceKind } from '../common/enums.js';
import { IssueList } from '../../errors/index.js';
import { JSONScalar } from '../common/scalars.js';
import { listCost } from '../limits/index.js';

@ObjectType({ description: 'Decision `decision` took one of `oneOf` (choice indices).' })
export class ConditionClause {
  @Field(() => Int) decision!: number;
  @Field(() => [Int]) oneOf!: number[];
}

@ObjectType({ description: 'One step of the controller: pick one of `choices`, where `condition` holds.' })
export class Decision {
  @Field(() => Int) index!: number;
  @Field({ description: 'Stable dotted path, unique in the space.' }) id!: string;
  @Field() name!: string;
  @Field(() => [JSONScalar]) choices!: unknown[];
  @Field(() => [ConditionClause], { nullable: true, description: 'All clauses must hold; null means always.' })
  condition?: ConditionClause[];
}

@ObjectType()
export class SearchSpace {
  @Field(() => ID) id!: string;
  @Field() project!: string;
  @Field() name!: string;
  @Field(() => SpaceKind) kind!: SpaceKindValue;
  @Field(() => JSONScalar, { description: 'The normalised definition.' }) definition!: unknown;
  @Field(() => [Decision]) decisions!: Decision[];
  @Field(() => Int) decisionCount!: number;
  @Field({ description: 'Exact number of distinct architectures, in decimal (it often exceeds 2^53).' }) cardinality!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType()
export class SpaceError {
  @Field({ description: 'JSON pointer into the definition, e.g. `/layers/types/2/filters`.' }) path!: string;
  @Field() message!: string;
}

@ObjectType()
export class SpaceValidation {
  @Field() valid!: boolean;
  @Field(() => [SpaceError], { complexity: listCost({ fallback: IssueList.CAP }) }) errors!: SpaceError[];
  @Field(() => SpaceKind, { nullable: true }) kind!: SpaceKindValue | null;
  @Field(() => Int, { nullable: true }) decisionCount!: number | null;
  @Field(() => String, { nullable: true }) cardinality!: string | null;
}
