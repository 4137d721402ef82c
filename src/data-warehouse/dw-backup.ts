/**
 * The DW's archive: not built yet (issue 9 item 7) — refused with a clear
 * error rather than an archive that lacks the DW's databases.
 */
import type { Progress } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { ArchiveResult, PartContext } from '../parts/part.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';

export async function backupDataWarehouse(
  _dw: OpenedDataWarehouse,
  _ctx: PartContext,
  _o: { directory: string; progress: Progress },
): Promise<ArchiveResult> {
  throw new SmgrError('USAGE', { detail: 'backup of the data warehouse part is not built yet' });
}
