/** smgr backup create | list | verify: parse, delegate to src/backup, print. */

import path from 'node:path';
import type { Command } from 'commander';
import { archivePart } from '../../backup/archive-format.js';
import { archiveSource } from '../../backup/archive-source.js';
import { listBackups } from '../../backup/backup-catalog.js';
import { checkArchive } from '../../backup/check-archive.js';
import { isS3Url } from '../../backup/s3-target.js';
import { preferThroughputGc } from '../../backup/throughput-gc.js';
import { readConfig } from '../../config/config-file.js';
import { backupCreateOperation, defaultBackupDirectory } from '../../operations/backup-create.js';
import { archiveKeysFromFlags } from '../archive-keys-flags.js';
import { contextOf } from '../cli-context.js';
import { humanSize } from '../human-size.js';
import { progressRenderer } from '../progress-bar.js';
import { runOperation } from '../run-operation.js';
import { registerPrune } from './backup-prune.js';
import { listBucket, registerS3, s3SettingsOf } from './backup-s3.js';

const totalRows = (d: Array<{ tables: Array<{ rows: number }> }>) =>
  d.reduce((n, db) => n + db.tables.reduce((m, t) => m + t.rows, 0), 0);

export function registerBackup(program: Command): void {
  const backup = program
    .command('backup')
    .description('database backups: create, list, verify, prune, upload, fetch (docs/FORMAT.md §2)');
  registerCreate(backup);
  registerList(backup);
  registerVerify(backup);
  registerPrune(backup); // ops (issue 13)
  registerS3(backup);
}

function registerCreate(backup: Command): void {
  backup
    .command('create')
    .description('write one encrypted archive of every database of the group, while the server keeps serving')
    .option(
      '--to <dir>',
      'target directory, or s3://BUCKET[/PREFIX] to stream the archive into a bucket (default: config backup.directory, else <home>/backups)',
    )
    .action(async (flags: { to?: string }, cmd: Command) => {
      preferThroughputGc();
      const ctx = contextOf(cmd);
      const directory = flags.to ? (isS3Url(flags.to) ? flags.to : path.resolve(flags.to)) : undefined;
      const r = await runOperation(ctx, backupCreateOperation, { directory }, { progress: true });
      ctx.out.result(r, () => {
        for (const a of r.archives) {
          ctx.out.line(`Backup complete: ${a.file}`);
          ctx.out.line(
            `${humanSize(a.size)}, ${totalRows(a.databases).toLocaleString('en-US')} rows, ${(a.durationMs / 1000).toFixed(1)} s`,
          );
        }
      });
    });
}

function registerList(backup: Command): void {
  backup
    .command('list')
    .description('the whole archives in the backup directory, newest first')
    .option(
      '--dir <dir>',
      'directory or s3://BUCKET[/PREFIX] to list (default: config backup.directory, else <home>/backups)',
    )
    .action(async (flags: { dir?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const s3 = flags.dir !== undefined && isS3Url(flags.dir); // ops (issue 13): a bucket
      const dir = flags.dir
        ? s3
          ? flags.dir
          : path.resolve(flags.dir)
        : defaultBackupDirectory(ctx.home, readConfigQuietly(ctx.home));
      const backups = s3 ? await listBucket(ctx.home, dir) : listBackups(dir);
      ctx.out.result({ directory: dir, backups }, (r) => {
        if (r.backups.length === 0) ctx.out.line(`No backups in ${r.directory}`);
        for (const b of r.backups) {
          const dbs = b.databases.map((d) => d.name).join(', ') || '(no summary)';
          const rows = b.summarized ? `${totalRows(b.databases).toLocaleString('en-US')} rows` : '';
          ctx.out.line(
            `${b.createdAt ?? '?'}  ${humanSize(b.size).padStart(8)}  ${dbs}  ${rows}  ${path.basename(b.file)}`,
          );
        }
      });
    });
}

function registerVerify(backup: Command): void {
  backup
    .command('verify')
    .description(
      'decrypt an archive, authenticate it and check every hash and count against its manifest; restores nothing (rows are checked against the schema by a restore)',
    )
    .argument('<file>', 'the .smbak archive, or s3://BUCKET/PREFIX/NAME.smbak (streamed from the bucket)')
    .option('--key-file <file>', 'key backup file holding the backup identity (default: secure storage)')
    .option('--password-file <file>', 'file holding the key backup passphrase')
    .action(async (file: string, flags: { keyFile?: string; passwordFile?: string }, cmd: Command) => {
      preferThroughputGc();
      const ctx = contextOf(cmd);
      const keys = await archiveKeysFromFlags(ctx.home, flags);
      const bar = progressRenderer(ctx.out);
      const started = Date.now();
      const source = archiveSource(file, s3SettingsOf(ctx.home), bar); // s3-stream: a path or a bucket's object
      let checked: Awaited<ReturnType<typeof checkArchive>>;
      try {
        checked = await checkArchive(source.file, { ...keys, open: source.open }, { progress: bar });
      } finally {
        bar.end();
      }
      const m = checked.manifest;
      const result = {
        file: source.file,
        whole: true,
        authenticated: checked.authenticated,
        formatVersion: checked.header.version,
        part: archivePart(checked.header),
        managementGroup: m.managementGroup,
        createdAt: m.createdAt,
        databases: m.databases.map((d) => ({
          name: d.name,
          schemaVersion: d.schemaVersion,
          tables: d.tables.map((t) => ({ name: t.name, rows: t.rows, bytes: t.bytes, sha256: t.sha256 })),
        })),
        keys: m.keys.map((k) => ({ keyId: k.keyId, part: k.part })),
        durationMs: Date.now() - started,
      };
      ctx.out.result(result, (r) => {
        ctx.out.line(
          r.authenticated
            ? `Archive is whole and authentic (written with key ${checked.header.authentication?.keyId}): ${r.file}`
            : `Archive is whole, but cannot be authenticated (format version 1): ${r.file}`,
        );
        ctx.out.line(`Management group "${r.managementGroup.name}" (${r.part}), made ${r.createdAt}`);
        for (const d of r.databases) {
          ctx.out.line(
            `${d.name} (schema ${d.schemaVersion}): ${d.tables.length} tables, ${totalRows([d]).toLocaleString('en-US')} rows, every hash matches`,
          );
        }
        ctx.out.line(`Needs key ${r.keys.map((k) => k.keyId).join(', ')} to open its sealed values.`);
      });
    });
}

/** backup list works on a home whose config is unreadable too (it then lists <home>/backups). */
function readConfigQuietly(home: Parameters<typeof readConfig>[0]) {
  try {
    return readConfig(home);
  } catch {
    return undefined;
  }
}
