import type { Config } from '../config.js';
import { openDatabase, type Database } from '../db/database.js';
import { StoreInUseError } from '../db/store-lock.js';
import type { Logger } from '../logger.js';

/**
 * Opens the configured store for a command; when a server holds it, the refusal adds
 * `advice(url)`: how to ask that server instead (its recorded URL, or a placeholder).
 */
export async function openOwnedStore(config: Config, logger: Logger, poolSize: number, advice: (url: string) => string): Promise<Database> {
  try {
    return await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, schema: config.databaseSchema, poolSize }, logger);
  } catch (error) {
    if (!(error instanceof StoreInUseError)) throw error;
    throw new StoreInUseError(error.dataDir, error.holder, `${error.message}.\n${advice(error.holder?.url ?? 'http://HOST:PORT/graphql')}`);
  }
}
