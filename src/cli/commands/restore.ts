/** smgr restore database: parse, delegate to src/backup, print. */
import type { Command } from 'commander';
import { archiveSource } from '../../backup/archive-source.js';
import { defaultRestoreJobs, restoreDatabase } from '../../backup/restore-database.js';
import { preferThroughputGc } from '../../backup/throughput-gc.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { archiveKeysFromFlags } from '../archive-keys-flags.js';
import { contextOf } from '../cli-context.js';
import { progressRenderer } from '../progress-bar.js';
import { registerRestoreDataWarehouse } from './restore-data-warehouse.js';
import { s3SettingsOf } from './s3-settings-of.js';

interface RestoreFlags {
  from: string;
  database: string;
  keyFile?: string;
  passwordFile?: string;
  replace?: boolean;
  jobs?: string;
  allowUnauthenticated?: boolean;
}

export function registerRestore(program: Command): void {
  const restore = program.command('restore').description('restore from database backups');
  registerRestoreDataWarehouse(restore);
  restore
    .command('database')
    .description(
      'restore the ServiceManager database from an archive into an empty database of either engine',
    )
    .requiredOption(
      '--from <file>',
      'the .smbak archive, or s3://BUCKET/PREFIX/NAME.smbak (streamed from the bucket)',
    )
    .requiredOption(
      '--database <url>',
      'target: pglite:<path> or postgres://user@host:port/db (must be empty)',
    )
    .option('--key-file <file>', 'key backup file holding the backup identity (default: secure storage)')
    .option('--password-file <file>', 'file holding the key backup passphrase')
    .option('--replace', 'replace what the target database holds (only once the restore has checked out)')
    .option(
      '--allow-unauthenticated',
      'restore an archive of format version 1, which cannot be authenticated (only one you know the origin of)',
    )
    .option(
      '--jobs <n>',
      `connections to load and build indexes over, on a PostgreSQL server (default: ${defaultRestoreJobs()}, the cores here; PGlite uses one)`,
    )
    .action(async (flags: RestoreFlags, cmd: Command) => {
      preferThroughputGc(flags.database);
      const ctx = contextOf(cmd);
      const jobs = flags.jobs === undefined ? undefined : Number(flags.jobs);
      if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1 && jobs <= 64)) {
        throw new SmgrError('USAGE', { detail: '--jobs takes a whole number from 1 to 64' });
      }
      const keys = await archiveKeysFromFlags(ctx.home, flags);
      const bar = progressRenderer(ctx.out);
      const source = archiveSource(flags.from, s3SettingsOf(ctx.home), bar); // s3-stream: a path or a bucket's object
      let result: Awaited<ReturnType<typeof restoreDatabase>>;
      try {
        result = await restoreDatabase({
          ...keys,
          file: source.file,
          open: source.open,
          targetUrl: flags.database,
          replace: flags.replace,
          jobs,
          allowUnauthenticated: flags.allowUnauthenticated,
          progress: bar,
        });
      } finally {
        bar.end();
      }
      ctx.out.result(result, (r) => {
        const rows = r.tables.reduce((n, t) => n + t.rows, 0);
        ctx.out.line(`Restore complete: management group "${r.managementGroup.name}" into ${r.database}`);
        ctx.out.line(
          `${r.tables.length} tables, ${rows.toLocaleString('en-US')} rows, every count and hash checked; schema ${r.archiveSchemaVersion} → ${r.schemaVersion}; ${(r.durationMs / 1000).toFixed(1)} s over ${r.jobs} connection${r.jobs === 1 ? '' : 's'}`,
        );
        ctx.out.line('Next: restore the key if this computer lacks it (smgr key restore), then');
        ctx.out.line(`  smgr setup management-server --existing-database --database ${flags.database}`);
      });
    });
}
