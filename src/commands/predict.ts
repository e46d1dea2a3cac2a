import { GraphnasError } from '../errors/index.js';
import { parse, printJson, UsageError } from './args.js';

export const PREDICT_USAGE = `usage: graphnas predict MODEL_DIR INPUT [--top N] [--json]

  Classifies INPUT with the model graphnas export wrote to MODEL_DIR and prints the class
  probabilities, most probable first. INPUT is a PNG image (any size and colour: brought
  to the model's input shape) or a CSV of feature rows (one prediction per row).

  --top N   print only the N most probable classes
  --json    every class's probability, as JSON`;

/** `graphnas predict`: try an exported model at once, with no code. */
export async function predictCommand(args: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parse(args, { top: { type: 'string' }, json: { type: 'boolean', default: false } }, PREDICT_USAGE);
  const [dir, input, ...extra] = positionals;
  if (dir === undefined || input === undefined) throw new UsageError('graphnas predict needs a MODEL_DIR and an INPUT file', PREDICT_USAGE);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`, PREDICT_USAGE);
  const top = values.top === undefined ? undefined : Number(values.top);
  if (top !== undefined && (!Number.isInteger(top) || top < 1)) throw new UsageError(`--top must be a whole number above 0, got "${values.top}"`, PREDICT_USAGE);
  // tfjs is loaded only here: the other commands never pay for it.
  const { predict, formatPredictions } = await import('../evaluation/export/predict.js');
  const predictions = await predict(dir, input).catch((error: unknown) => {
    // A missing file, a directory that holds no model, an image it cannot read: the user's to fix, said without a trace.
    if (error instanceof Error && !(error instanceof TypeError) && !(error instanceof RangeError)) throw new GraphnasError('BAD_USER_INPUT', error.message, { cause: error });
    throw error;
  });
  if (values.json) printJson(out, predictions);
  else out.write(`${formatPredictions(predictions, top === undefined ? {} : { top })}\n`);
  return 0;
}
