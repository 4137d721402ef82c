/** Opens a database by URL: `pglite:<path>` or `postgres://…`. */
import type { Database } from './database.js';
import { parseDatabaseUrl } from './database-url.js';
import { openPGlite } from './pglite-engine.js';
import { openPostgres } from './postgres-engine.js';

export async function openDatabase(
  url: string,
  options: {
    allowPassword?: boolean;
    /** Connections a server database may use at once (its `parallelism`); PGlite has one. */
    connections?: number;
    /** Told about slow steps of opening (creating a new embedded directory), for progress output. */
    onStep?: (message: string) => void;
    /**
     * Opened to be filled by a restore and closed: PGlite runs with small
     * shared buffers (pglite-engine.ts); a server is opened as always.
     */
    restoreTarget?: boolean;
  } = {},
): Promise<Database> {
  const parsed = parseDatabaseUrl(url, options);
  if (parsed.engine === 'embedded')
    return openPGlite(parsed.dataDir!, { onStep: options.onStep, restoreTarget: options.restoreTarget });
  return openPostgres(parsed.url, parsed.displayUrl, { max: options.connections });
}
