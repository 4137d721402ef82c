/**
 * Empties what Extract, Transform and Load wrote in the benchmark's DW (the
 * staging tables and the extract watermark; every table of DWRepository and
 * DWDataMart but their schema versions), so that `smgr dw run all` can load
 * the same feed again from the beginning. MPSync's tables and the run
 * history stay. The benchmark's own databases only.
 */
import { openDatabase } from '../../src/db/open-database.js';
import { emptyTables } from '../../test/support/dw.js';

const STAGING = ['staging_work_items', 'staging_work_item_history', 'staging_config_items', 'staging_users'];

export async function emptyEtl(
  stagingUrl: string,
  repositoryUrl: string,
  datamartUrl: string,
): Promise<void> {
  const staging = await openDatabase(stagingUrl);
  try {
    await staging.query(`TRUNCATE ${STAGING.join(', ')}`);
    await staging.query(`DELETE FROM watermarks WHERE job = 'extract'`);
    await staging.query(`ANALYZE ${STAGING.join(', ')}`);
  } finally {
    await staging.close();
  }
  for (const url of [repositoryUrl, datamartUrl]) await emptyTables(url);
}
