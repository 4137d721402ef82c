/** smgr restore data-warehouse: parse, delegate to src/data-warehouse/restore-dw.ts, print. --from takes a path or an s3:// URL. */
import type { Command } from 'commander';
import { archiveSource } from '../../backup/archive-source.js';
import { preferThroughputGc } from '../../backup/throughput-gc.js';
import { defaultDatabaseUrl } from '../../computer/home.js';
import { DW_DATABASES, type DwDatabaseRole } from '../../data-warehouse/dw-databases.js';
import { type RestoreDwResult, restoreDataWarehouse } from '../../data-warehouse/restore-dw.js';
import { archiveKeysFromFlags } from '../archive-keys-flags.js';
import { contextOf } from '../cli-context.js';
import { progressRenderer } from '../progress-bar.js';
import { s3SettingsOf } from './s3-settings-of.js';

interface Flags {
  from: string;
  stagingDatabase?: string;
  repositoryDatabase?: string;
  datamartDatabase?: string;
  keyFile?: string;
  passwordFile?: string;
}

export function registerRestoreDataWarehouse(restore: Command): void {
  restore
    .command('data-warehouse')
    .description(
      "restore a data warehouse's archive into DWStagingAndConfig, DWRepository and DWDataMart (each empty; embedded in this home by default)",
    )
    .requiredOption(
      '--from <file>',
      'the .smbak archive of the data warehouse, or s3://BUCKET/PREFIX/NAME.smbak (streamed from the bucket)',
    )
    .option(
      '--staging-database <url>',
      'DWStagingAndConfig (default: pglite:<home>/databases/DWStagingAndConfig)',
    )
    .option('--repository-database <url>', 'DWRepository (default: pglite:<home>/databases/DWRepository)')
    .option('--datamart-database <url>', 'DWDataMart (default: pglite:<home>/databases/DWDataMart)')
    .option(
      '--key-file <file>',
      "key backup file holding the DW key (default: this computer's secure storage)",
    )
    .option('--password-file <file>', 'file holding the key backup passphrase')
    .action(async (flags: Flags, cmd: Command) => {
      preferThroughputGc(flags.stagingDatabase, flags.repositoryDatabase, flags.datamartDatabase);
      const ctx = contextOf(cmd);
      const given: Record<DwDatabaseRole, string | undefined> = {
        staging: flags.stagingDatabase,
        repository: flags.repositoryDatabase,
        datamart: flags.datamartDatabase,
      };
      const urls = Object.fromEntries(
        DW_DATABASES.map((s) => [s.role, given[s.role] ?? defaultDatabaseUrl(ctx.home, s.name)]),
      ) as Record<DwDatabaseRole, string>;
      const keys = await archiveKeysFromFlags(ctx.home, flags, 'data-warehouse');
      const bar = progressRenderer(ctx.out);
      // s3-recover: a path or a bucket's object (streamed, with a reader mark: FORMAT §5).
      const source = archiveSource(flags.from, s3SettingsOf(ctx.home), bar);
      let result: RestoreDwResult;
      try {
        result = await restoreDataWarehouse({
          ...keys,
          open: source.open,
          file: source.file,
          urls,
          progress: bar,
        });
      } finally {
        bar.end();
      }
      ctx.out.result(result, (r) => {
        ctx.out.line(`Restore complete: data warehouse "${r.managementGroup.name}"`);
        for (const d of r.databases) {
          const rows = d.tables.reduce((n, t) => n + t.rows, 0);
          ctx.out.line(
            `  ${d.name} → ${d.url}: ${d.restored ? `${d.tables.length} tables, ${rows.toLocaleString('en-US')} rows, every count and hash checked; schema ${d.archiveSchemaVersion} → ${d.schemaVersion}` : 'already restored from this archive by an earlier run'}`,
          );
        }
        ctx.out.line('Next: restore the DW key if this computer lacks it (smgr key restore), then');
        ctx.out.line(`  smgr setup data-warehouse --existing-database --staging-database ${urls.staging}`);
      });
    });
}
