/**
 * Every GraphQL operation the dashboard sends, with the shape of its answer. They are
 * kept in one file so that test/dashboard/documents.test.ts can check each against the
 * schema and the API's limits (depth, aliases, tokens, cost at the page sizes used here):
 * a limit that would refuse a dashboard query fails a test, not a user.
 *
 * Pages are at most PAGE (500, the API's largest), nesting stays within four levels.
 */

/** The API's largest page: for reading every trial of an experiment, or every search space. */
export const PAGE = 500;
/** Experiments per page of the list (each brings its progress, counts and best trial). */
export const EXPERIMENTS_PAGE = 100;
/** Rows per page of the trials table. */
export const TABLE_PAGE = 50;
/** How many of the newest trials the learning-curve panel draws. */
export const CURVE_TRIALS = 12;
/** Failed and pruned trials grouped by reason. */
export const FAILURES_PAGE = 200;
/**
 * Policy steps the controller panel reads (oldest first: the API has no "latest N").
 * Each step costs 1, so this is about as many as one operation may ask for.
 */
export const POLICY_LIMIT = 4000;

export type Role = 'VIEWER' | 'OPERATOR' | 'WORKER' | 'ADMIN';
export type ExperimentStatus = 'CREATED' | 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type TrialStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'PRUNED' | 'CANCELLED';
/** SEARCH: the strategy's proxy evaluations; FINAL: finalists retrained by finalizeExperiment. */
export type TrialStage = 'SEARCH' | 'FINAL';
export type FinalizationStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export type TrialOrder = 'SEQUENCE_ASC' | 'SEQUENCE_DESC' | 'REWARD_DESC' | 'REWARD_ASC' | 'CREATED_AT_DESC';
export type DuplicateFilter = 'INCLUDE' | 'EXCLUDE' | 'ONLY';
export type Direction = 'MAXIMIZE' | 'MINIMIZE';
export type SpaceFormat = 'GRAPHNAS' | 'NNI';
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const TRIAL_STATUSES: readonly TrialStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'PRUNED', 'CANCELLED'];

export interface PageInfo {
  readonly hasNextPage: boolean;
  readonly endCursor: string | null;
}

export interface Connection<T> {
  readonly totalCount: number;
  readonly pageInfo: PageInfo;
  readonly edges: readonly { readonly node: T }[];
}

export interface Viewer {
  readonly kind: string;
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly project: string | null;
}

export const VIEWER = /* GraphQL */ `
  query Viewer {
    viewer { kind id name role project }
  }
`;
export interface ViewerData {
  readonly viewer: Viewer;
}

export interface TrialCounts {
  readonly pending: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly pruned: number;
  readonly cancelled: number;
  readonly total: number;
  readonly duplicates: number;
}

export interface Progress {
  readonly finishedEvaluations: number;
  readonly maxTrials: number;
  readonly fraction: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number | null;
}

/** What the experiments list and an experiment's header show, kept live by experimentUpdated. */
export interface ExperimentSummary {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  readonly status: ExperimentStatus;
  readonly endReason: string | null;
  readonly updatedAt: string;
  readonly searchSpaceId: string;
  readonly strategy: { readonly type: string };
  readonly evaluator: { readonly type: string };
  readonly objective: { readonly metric: string; readonly direction: Direction; readonly goal: number | null };
  readonly progress: Progress;
  readonly trialCounts: TrialCounts;
  readonly bestTrial: { readonly id: string; readonly sequence: number; readonly reward: number | null; readonly label: string } | null;
}

const SUMMARY_FIELDS = `
  id name project status endReason updatedAt searchSpaceId
  strategy { type } evaluator { type } objective { metric direction goal }
  progress { finishedEvaluations maxTrials fraction elapsedSeconds etaSeconds }
  trialCounts { pending running succeeded failed pruned cancelled total duplicates }
  bestTrial { id sequence reward label }
`;

export const EXPERIMENTS = /* GraphQL */ `
  query Experiments($first: Int!, $after: String) {
    experiments(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ${SUMMARY_FIELDS} searchSpace { id name } } }
    }
  }
`;
export type ExperimentListItem = ExperimentSummary & { readonly searchSpace: { readonly id: string; readonly name: string } };
export interface ExperimentsData {
  readonly experiments: Connection<ExperimentListItem>;
}

export const EXPERIMENT_UPDATED = /* GraphQL */ `
  subscription ExperimentUpdated($id: ID!) {
    experimentUpdated(id: $id) { ${SUMMARY_FIELDS} }
  }
`;
export interface ExperimentUpdatedData {
  readonly experimentUpdated: ExperimentSummary;
}

export interface Decision {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  readonly choices: readonly JsonValue[];
}

export interface ExperimentDetail extends ExperimentSummary {
  readonly description: string | null;
  readonly seed: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly strategy: { readonly type: string; readonly hyperparameters: JsonValue };
  readonly evaluator: { readonly type: string; readonly options: JsonValue };
  readonly constraints: { readonly maxParams: number | null; readonly maxFlops: number | null; readonly maxLatencyMs: number | null };
  readonly budget: { readonly maxTrials: number; readonly parallelTrials: number; readonly maxFailedTrials: number };
  readonly earlyStopping: { readonly type: string; readonly metric: string } | null;
  readonly searchSpace: { readonly id: string; readonly name: string; readonly kind: 'LAYERS' | 'CELL'; readonly decisions: readonly Decision[] };
}

export const EXPERIMENT = /* GraphQL */ `
  query Experiment($id: ID!) {
    experiment(id: $id) {
      ${SUMMARY_FIELDS}
      description seed createdAt startedAt finishedAt
      strategy { hyperparameters } evaluator { options }
      constraints { maxParams maxFlops maxLatencyMs }
      budget { maxTrials parallelTrials maxFailedTrials }
      earlyStopping { type metric }
      searchSpace { id name kind decisions { index id name choices } }
    }
  }
`;
export interface ExperimentData {
  readonly experiment: ExperimentDetail | null;
}

/** A trial as the charts need it: small, so that 10,000 of them load in a few pages. */
export interface TrialPoint {
  readonly id: string;
  readonly sequence: number;
  readonly status: TrialStatus;
  readonly reward: number | null;
  readonly actions: readonly number[];
  readonly params: number | null;
  readonly flops: number | null;
  readonly latencyMs: number | null;
  readonly duplicateOfId: string | null;
  readonly updatedAt: string;
}

const POINT_FIELDS = 'id sequence status reward actions params flops latencyMs duplicateOfId updatedAt';

export const TRIAL_POINTS = /* GraphQL */ `
  query TrialPoints($id: ID!, $first: Int!, $after: String) {
    experiment(id: $id) {
      trials(first: $first, after: $after, orderBy: SEQUENCE_ASC) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { ${POINT_FIELDS} } }
      }
    }
  }
`;
export interface TrialPointsData {
  readonly experiment: { readonly trials: Connection<TrialPoint> } | null;
}

/**
 * A trial as the table and the live feed carry it. trialUpdated delivers the finalists'
 * FINAL trials too: the search's views keep `stage` SEARCH only.
 */
export interface TrialRow extends TrialPoint {
  readonly stage: TrialStage;
  readonly label: string;
  readonly error: string | null;
  readonly policyVersion: number;
  readonly attempt: number;
  readonly finishedAt: string | null;
}

const ROW_FIELDS = `${POINT_FIELDS} stage label error policyVersion attempt finishedAt`;

export const TRIAL_PAGE = /* GraphQL */ `
  query TrialPage($id: ID!, $first: Int!, $after: String, $orderBy: TrialOrder!, $status: [TrialStatus!], $duplicates: DuplicateFilter!) {
    experiment(id: $id) {
      trials(first: $first, after: $after, orderBy: $orderBy, status: $status, duplicates: $duplicates) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { ${ROW_FIELDS} } }
      }
    }
  }
`;
export interface TrialPageData {
  readonly experiment: { readonly trials: Connection<TrialRow> } | null;
}

export const TRIAL_UPDATED = /* GraphQL */ `
  subscription TrialUpdated($experimentId: ID!) {
    trialUpdated(experimentId: $experimentId) { ${ROW_FIELDS} }
  }
`;
export interface TrialUpdatedData {
  readonly trialUpdated: TrialRow;
}

export interface MetricPoint {
  readonly trialId: string;
  readonly step: number;
  readonly name: string;
  readonly value: number;
}

/** A point as the subscription delivers it: with its trial's stage (null on points stored before stages) and its event. */
export interface ReportedMetric extends MetricPoint {
  readonly stage: TrialStage | null;
  readonly eventId: number | null;
}

/** The newest trials with their learning curves, for the experiment's curve panel. */
export const RECENT_CURVES = /* GraphQL */ `
  query RecentCurves($id: ID!, $first: Int!) {
    experiment(id: $id) {
      trials(first: $first, orderBy: SEQUENCE_DESC, duplicates: EXCLUDE) {
        edges { node { id sequence status metrics { trialId step name value } } }
      }
    }
  }
`;
export interface RecentCurvesData {
  readonly experiment: {
    readonly trials: { readonly edges: readonly { readonly node: { readonly id: string; readonly sequence: number; readonly status: TrialStatus; readonly metrics: readonly MetricPoint[] } }[] };
  } | null;
}

export const METRIC_REPORTED = /* GraphQL */ `
  subscription MetricReported($experimentId: ID!, $trialId: ID, $after: Int) {
    trialMetricReported(experimentId: $experimentId, trialId: $trialId, after: $after) { trialId step name value stage eventId }
  }
`;
export interface MetricReportedData {
  readonly trialMetricReported: ReportedMetric;
}

export interface PolicyPoint {
  readonly step: number;
  readonly baseline: number | null;
  readonly meanReward: number | null;
  readonly entropy: number | null;
  readonly observedTrials: number;
}

export const POLICY_HISTORY = /* GraphQL */ `
  query PolicyHistory($id: ID!, $limit: Int!) {
    experiment(id: $id) { policyHistory(limit: $limit) { step baseline meanReward entropy observedTrials } }
  }
`;
export interface PolicyHistoryData {
  readonly experiment: { readonly policyHistory: readonly PolicyPoint[] } | null;
}

export const POLICY_UPDATED = /* GraphQL */ `
  subscription PolicyUpdated($experimentId: ID!) {
    policyUpdated(experimentId: $experimentId) { step baseline meanReward entropy observedTrials }
  }
`;
export interface PolicyUpdatedData {
  readonly policyUpdated: PolicyPoint;
}

/** Failed and pruned trials, newest first, with their reasons. */
export const FAILURES = /* GraphQL */ `
  query Failures($id: ID!, $first: Int!) {
    experiment(id: $id) {
      trials(first: $first, orderBy: SEQUENCE_DESC, status: [FAILED, PRUNED]) {
        totalCount
        edges { node { id sequence status label error attempt } }
      }
    }
  }
`;
export interface FailureRow {
  readonly id: string;
  readonly sequence: number;
  readonly status: TrialStatus;
  readonly label: string;
  readonly error: string | null;
  readonly attempt: number;
}
export interface FailuresData {
  readonly experiment: { readonly trials: { readonly totalCount: number; readonly edges: readonly { readonly node: FailureRow }[] } } | null;
}

/** How a FINAL trial retrains its finalist. */
export interface TrialFinal {
  readonly round: number;
  readonly replicate: number;
  readonly seed: number;
  readonly budget: JsonValue;
  readonly inheritsWeights: boolean;
}

/** A finalist's trial as the finalists view and its live feed carry it. */
export interface Replicate {
  readonly id: string;
  readonly sequence: number;
  readonly status: TrialStatus;
  readonly reward: number | null;
  readonly error: string | null;
  readonly updatedAt: string;
  readonly finalistOfId: string | null;
  readonly final: TrialFinal | null;
}

const REPLICATE_FIELDS = 'id sequence status reward error updatedAt finalistOfId final { round replicate seed budget inheritsWeights }';

export interface ModelFile {
  readonly name: string;
  readonly bytes: number;
  readonly url: string;
}

/** The trained model a finished FINAL trial kept (tfjs-trainer finalists); URLs are server-relative and want the key. */
export interface TrialModel {
  readonly modelUrl: string;
  readonly cardUrl: string;
  readonly files: readonly ModelFile[];
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly classNames: readonly string[] | null;
  readonly dataset: string;
  readonly preprocessing: string;
  readonly params: number;
  readonly flops: number;
  readonly latencyBatch1Ms: number | null;
  readonly latencyBatch64MsPerSample: number | null;
}

const MODEL_FIELDS = 'modelUrl cardUrl files { name bytes url } inputShape numClasses classNames dataset preprocessing params flops latencyBatch1Ms latencyBatch64MsPerSample';

export interface TrialDetail extends TrialRow {
  readonly experimentId: string;
  readonly architecture: JsonValue;
  readonly fingerprint: string;
  readonly logProb: number;
  readonly finalMetrics: JsonValue;
  readonly workerId: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly metrics: readonly MetricPoint[];
  /** A FINAL trial's proxy trial and retraining plan; null for search trials. */
  readonly finalistOfId: string | null;
  readonly final: TrialFinal | null;
  readonly model: TrialModel | null;
  readonly experiment: {
    readonly id: string;
    readonly name: string;
    readonly objective: { readonly metric: string; readonly direction: Direction };
    readonly searchSpace: { readonly id: string; readonly name: string; readonly decisions: readonly Decision[] };
  };
}

export const TRIAL = /* GraphQL */ `
  query Trial($id: ID!) {
    trial(id: $id) {
      ${ROW_FIELDS}
      experimentId architecture fingerprint logProb finalMetrics workerId createdAt startedAt
      metrics { trialId step name value }
      finalistOfId final { round replicate seed budget inheritsWeights } model { ${MODEL_FIELDS} }
      experiment { id name objective { metric direction } searchSpace { id name decisions { index id name choices } } }
    }
  }
`;
export interface TrialData {
  readonly trial: TrialDetail | null;
}

export interface SpaceSummary {
  readonly id: string;
  readonly name: string;
  readonly project: string;
  readonly kind: 'LAYERS' | 'CELL';
  readonly decisionCount: number;
  readonly cardinality: string;
  readonly createdAt: string;
}

const SPACE_FIELDS = 'id name project kind decisionCount cardinality createdAt';

export const SEARCH_SPACES = /* GraphQL */ `
  query SearchSpaces($first: Int!, $after: String) {
    searchSpaces(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ${SPACE_FIELDS} } }
    }
  }
`;
export interface SearchSpacesData {
  readonly searchSpaces: Connection<SpaceSummary>;
}

export const SEARCH_SPACE = /* GraphQL */ `
  query SearchSpace($id: ID!) {
    searchSpace(id: $id) { ${SPACE_FIELDS} definition }
  }
`;
export interface SearchSpaceData {
  readonly searchSpace: (SpaceSummary & { readonly definition: JsonValue }) | null;
}

export interface SpaceIssue {
  readonly path: string;
  readonly message: string;
}

export const VALIDATE_SPACE = /* GraphQL */ `
  query ValidateSpace($format: SpaceFormat!, $definition: JSON!) {
    validateSearchSpace(format: $format, definition: $definition) { valid kind decisionCount cardinality errors { path message } }
  }
`;
export interface ValidateSpaceData {
  readonly validateSearchSpace: {
    readonly valid: boolean;
    readonly kind: 'LAYERS' | 'CELL' | null;
    readonly decisionCount: number | null;
    readonly cardinality: string | null;
    readonly errors: readonly SpaceIssue[];
  };
}

export const CREATE_SPACE = /* GraphQL */ `
  mutation CreateSpace($input: CreateSearchSpaceInput!) {
    createSearchSpace(input: $input) { ${SPACE_FIELDS} }
  }
`;
export interface CreateSpaceData {
  readonly createSearchSpace: SpaceSummary;
}

export const DELETE_SPACE = /* GraphQL */ `
  mutation DeleteSpace($id: ID!) { deleteSearchSpace(id: $id) }
`;

export const CREATE_EXPERIMENT = /* GraphQL */ `
  mutation CreateExperiment($input: CreateExperimentInput!) {
    createExperiment(input: $input) { id status }
  }
`;
export interface CreateExperimentData {
  readonly createExperiment: { readonly id: string; readonly status: ExperimentStatus };
}

/** The lifecycle mutations share one answer, which experimentUpdated also delivers. */
export const START_EXPERIMENT = `mutation StartExperiment($id: ID!) { startExperiment(id: $id) { id status updatedAt } }`;
export const PAUSE_EXPERIMENT = `mutation PauseExperiment($id: ID!) { pauseExperiment(id: $id) { id status updatedAt } }`;
export const RESUME_EXPERIMENT = `mutation ResumeExperiment($id: ID!) { resumeExperiment(id: $id) { id status updatedAt } }`;
export const CANCEL_EXPERIMENT = `mutation CancelExperiment($id: ID!) { cancelExperiment(id: $id) { id status updatedAt } }`;
export const DELETE_EXPERIMENT = `mutation DeleteExperiment($id: ID!) { deleteExperiment(id: $id) }`;

/** The id of the experiment's latest event: what a view subscribes `after` to miss nothing from its query on. */
export const EXPERIMENT_EVENT = /* GraphQL */ `
  query ExperimentEvent($id: ID!) {
    experiment(id: $id) { id eventId }
  }
`;
export interface ExperimentEventData {
  readonly experiment: { readonly id: string; readonly eventId: number } | null;
}

/** Mean and sample standard deviation over the replicates that finished; std is null under two. */
export interface Stat {
  readonly mean: number;
  readonly std: number | null;
  readonly n: number;
}


export interface Finalist {
  readonly proxyRank: number;
  readonly proxyReward: number;
  readonly proxyTrial: { readonly id: string; readonly sequence: number; readonly label: string };
  readonly validation: Stat | null;
  readonly test: Stat | null;
  readonly unfinished: number;
  readonly failed: number;
  readonly replicates: readonly Replicate[];
  readonly bestReplicate: { readonly id: string; readonly sequence: number } | null;
}

export interface Finalization {
  readonly experimentId: string;
  readonly round: number;
  readonly status: FinalizationStatus;
  readonly topK: number;
  readonly seeds: number;
  readonly budget: JsonValue;
  readonly overrides: JsonValue;
  readonly inheritWeights: boolean;
  readonly finalists: readonly Finalist[];
  readonly winner: { readonly proxyTrial: { readonly id: string }; readonly bestReplicate: { readonly id: string; readonly sequence: number; readonly model: TrialModel | null } | null } | null;
  readonly spearman: number | null;
  readonly spearmanTest: number | null;
  readonly inheritance: { readonly validationGain: Stat | null; readonly testGain: Stat | null } | null;
  readonly error: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

const STAT = '{ mean std n }';
const FINALIZATION_FIELDS = `
  experimentId round status topK seeds budget overrides inheritWeights spearman spearmanTest error createdAt updatedAt finishedAt
  inheritance { validationGain ${STAT} testGain ${STAT} }
  finalists {
    proxyRank proxyReward unfinished failed validation ${STAT} test ${STAT}
    proxyTrial { id sequence label }
    replicates { ${REPLICATE_FIELDS} }
    bestReplicate { id sequence }
  }
  winner { proxyTrial { id } bestReplicate { id sequence model { ${MODEL_FIELDS} } } }
`;

/** The current round of the experiment's finalization with its finalists and winner; null before any. */
export const FINALIZATION = /* GraphQL */ `
  query Finalization($id: ID!) {
    experiment(id: $id) { id finalization { ${FINALIZATION_FIELDS} } }
  }
`;
export interface FinalizationData {
  readonly experiment: { readonly id: string; readonly finalization: Finalization | null } | null;
}

/** The metric the finalists' live curves draw: what tfjs-trainer reports per epoch, and its objective. */
export const FINAL_CURVE_METRIC = 'val_accuracy';

/** The finalists' learning curves so far, for the metric the live chart draws. */
export const FINAL_CURVES = /* GraphQL */ `
  query FinalCurves($id: ID!, $metric: String!) {
    experiment(id: $id) {
      finalization { round finalists { replicates { id metrics(name: $metric) { trialId step name value } } } }
    }
  }
`;
export interface FinalCurvesData {
  readonly experiment: {
    readonly finalization: { readonly round: number; readonly finalists: readonly { readonly replicates: readonly { readonly id: string; readonly metrics: readonly MetricPoint[] }[] }[] } | null;
  } | null;
}

export const FINALIZATION_UPDATED = /* GraphQL */ `
  subscription FinalizationUpdated($experimentId: ID!, $after: Int) {
    finalizationUpdated(experimentId: $experimentId, after: $after) { ${FINALIZATION_FIELDS} eventId }
  }
`;
export interface FinalizationUpdatedData {
  readonly finalizationUpdated: Finalization & { readonly eventId: number | null };
}

/** trialUpdated for the finalists view: what a replicate needs, with the stage to tell search trials apart. */
export const FINAL_TRIAL_UPDATED = /* GraphQL */ `
  subscription FinalTrialUpdated($experimentId: ID!, $after: Int) {
    trialUpdated(experimentId: $experimentId, after: $after) { ${REPLICATE_FIELDS} stage eventId }
  }
`;
export interface FinalTrialUpdatedData {
  readonly trialUpdated: Replicate & { readonly stage: TrialStage; readonly eventId: number | null };
}

export interface FinalizeInput {
  readonly topK?: number;
  readonly seeds?: number;
  readonly budget?: JsonValue;
  readonly inheritWeights?: boolean;
}

export const FINALIZE_EXPERIMENT = /* GraphQL */ `
  mutation FinalizeExperiment($id: ID!, $input: FinalizeExperimentInput) {
    finalizeExperiment(id: $id, input: $input) { ${FINALIZATION_FIELDS} }
  }
`;
export interface FinalizeExperimentData {
  readonly finalizeExperiment: Finalization;
}

export const CANCEL_FINALIZATION = /* GraphQL */ `
  mutation CancelFinalization($id: ID!) {
    cancelFinalization(id: $id) { ${FINALIZATION_FIELDS} }
  }
`;
export interface CancelFinalizationData {
  readonly cancelFinalization: Finalization;
}
