import { ArgsType, Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import type { TrialRecord } from '../../core/storage/records.js';
import { listCost } from '../limits/index.js';
import { Trial } from '../trial/trial.type.js';

@ObjectType({ description: 'A `graphnas worker` process, as it registered itself and renews with its heartbeats.' })
export class Worker {
  @Field(() => ID, { description: 'The identity its trials record as their `workerId`.' }) id!: string;
  @Field({ description: 'The name it runs under (`--name`; host and pid by default).' }) name!: string;
  @Field(() => String, { nullable: true, description: 'The project its key is scoped to; null for every project.' }) project!: string | null;
  @Field() host!: string;
  @Field({ description: 'The TensorFlow.js backend its last trial trained on (webgpu, tensorflow-gpu, tensorflow, wasm, cpu), or the one it was told to use before its first.' })
  backend!: string;
  @Field(() => String, { nullable: true, description: 'For webgpu, the adapter its last trial ran on.' }) adapter!: string | null;
  @Field(() => Int) cores!: number;
  @Field(() => String, { nullable: true, description: 'The GPU(s) it has, as the driver names them; null without one.' }) gpu!: string | null;
  @Field(() => [String], { description: 'Dataset sources it can load without a path (fashion-mnist, synthetic); files named by path are looked for per trial.' })
  datasets!: string[];
  @Field(() => Int, { description: 'Trials it evaluates at once.' }) concurrency!: number;
  // A worker holds at most `concurrency` trials, a handful in practice.
  @Field(() => [Trial], { description: 'The trials it holds now (RUNNING under its lease).', complexity: listCost({ fallback: 4 }) }) currentTrials!: TrialRecord[];
  @Field() registeredAt!: Date;
  @Field() lastHeartbeatAt!: Date;
  @Field({ description: 'It counts as gone after this unless a heartbeat renews it.' }) expiresAt!: Date;
}

@InputType({ description: 'What a worker has, sent when it registers and with every heartbeat.' })
export class RegisterWorkerInput {
  @Field({ description: 'Its name among the workers of its key; trials it claims record `<key identity>/<name>`.' }) name!: string;
  @Field() host!: string;
  @Field() backend!: string;
  @Field(() => String, { nullable: true }) adapter?: string | null;
  @Field(() => Int) cores!: number;
  @Field(() => String, { nullable: true }) gpu?: string | null;
  @Field(() => [String]) datasets!: string[];
  @Field(() => Int) concurrency!: number;
}

@ArgsType()
export class WorkersArgs {
  @Field(() => Int, { nullable: true, description: 'Page size (default 50, at most 500).' }) first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field({ defaultValue: false, description: 'Also the workers whose registration expired (kept for a day).' }) includeGone!: boolean;
}
