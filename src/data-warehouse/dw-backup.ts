/**
 * The DW's archive (issue 9 item 7) is not built yet: `smgr backup create`
 * on a DW computer refuses with BACKUP_NOT_SUPPORTED, before writing
 * anything, rather than write an archive that lacks the DW's databases.
 * docs/RECOVERY.md §9 says what to do meanwhile.
 */
import type { Progress } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { ArchiveResult, PartContext } from '../parts/part.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';

export async function backupDataWarehouse(
  dw: OpenedDataWarehouse,
  _ctx: PartContext,
  _o: { directory: string; progress: Progress },
): Promise<ArchiveResult> {
  throw new SmgrError('BACKUP_NOT_SUPPORTED', {
    part: 'data-warehouse',
    databases: dw.databases.map((d) => d.name).join(', '),
  });
}
