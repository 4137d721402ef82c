/** smgr backup prune [--dry-run]: parse, run the operation (directly or through the server), print. */
import path from 'node:path';
import type { Command } from 'commander';
import { isS3Url } from '../../backup/s3-target.js';
import { backupPruneOperation } from '../../operations/backup-prune.js';
import { contextOf } from '../cli-context.js';
import { humanSize } from '../human-size.js';
import { runOperation } from '../run-operation.js';

export function registerPrune(backup: Command): void {
  backup
    .command('prune')
    .description(
      'delete the archives the retention policy (config backups.retention) does not keep; never the newest verified one, one being read, or the newest a drill proved',
    )
    .option(
      '--dir <dir>',
      'directory or s3://BUCKET[/PREFIX] to prune (default: config backup.directory, else <home>/backups)',
    )
    .option('--dry-run', 'show what would be kept and deleted, delete nothing')
    .action(async (flags: { dir?: string; dryRun?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const directory = flags.dir ? (isS3Url(flags.dir) ? flags.dir : path.resolve(flags.dir)) : undefined;
      const r = await runOperation(ctx, backupPruneOperation, { directory, dryRun: flags.dryRun === true });
      ctx.out.result(r, () => {
        for (const k of r.kept) ctx.out.line(`keep    ${path.basename(k.file)}  (${k.reasons.join(', ')})`);
        for (const d of r.removed)
          ctx.out.line(
            `${r.dryRun ? 'would delete' : 'deleted'} ${path.basename(d.file)}  ${humanSize(d.size)}`,
          );
        for (const i of r.ignored) ctx.out.line(`ignored ${path.basename(i.file)}  (${i.reason})`);
        // s3-recover: a bucket's reader marks (docs/FORMAT.md §5).
        for (const b of r.readers?.busy ?? [])
          ctx.out.line(`being read: ${path.basename(b.file)} (a reader mark until ${b.until}): kept`);
        for (const m of r.readers?.staleMarksDeleted ?? [])
          ctx.out.line(`stale reader mark ${r.dryRun ? 'would be deleted' : 'deleted'}: ${m}`);
        ctx.out.line(
          `${r.kept.length} kept, ${r.removed.length} ${r.dryRun ? 'to delete (dry run: nothing deleted)' : 'deleted'} in ${r.directory}`,
        );
      });
    });
}
