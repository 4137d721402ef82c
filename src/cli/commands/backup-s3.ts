/**
 * smgr backup upload FILE --to s3://BUCKET/PREFIX and smgr backup fetch
 * s3://BUCKET/PREFIX/NAME.smbak [--to DIR]: an archive copied to or from an
 * S3-compatible bucket (src/backup/s3-target.ts; endpoint from config
 * backups.s3 or SMGR_S3_ENDPOINT, credentials from the SDK's standard
 * chain). verify, drill and restore also read an s3:// archive directly
 * (streamed, no copy), and `backup create --to s3://…` writes one straight
 * into the bucket; fetch is for keeping a copy elsewhere (or smgr recover).
 * `backup list --dir s3://…` and `backup prune --dir s3://…` read the bucket.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { listBackups } from '../../backup/backup-catalog.js';
import {
  downloadArchive,
  listS3Backups,
  parseS3Url,
  s3Client,
  uploadArchive,
} from '../../backup/s3-target.js';
import type { readConfig } from '../../config/config-file.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { contextOf } from '../cli-context.js';
import { s3SettingsOf } from './s3-settings-of.js';

export { s3SettingsOf };

export function registerS3(backup: Command): void {
  backup
    .command('upload')
    .description(
      'copy a whole archive (and its summary) to an S3 bucket, streamed; visible there only once complete',
    )
    .argument('<file>', 'the .smbak archive')
    .requiredOption('--to <url>', 's3://BUCKET[/PREFIX]')
    .action(async (file: string, flags: { to: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const local = path.resolve(file);
      if (!local.endsWith('.smbak') || !fs.existsSync(local))
        throw new SmgrError('FILE_UNREADABLE', { path: local, reason: 'no such .smbak archive' });
      const url = await uploadArchive(s3Client(s3SettingsOf(ctx.home)), parseS3Url(flags.to), local);
      ctx.out.result({ file: local, url }, (r) => ctx.out.line(`Uploaded ${r.file} to ${r.url}`));
    });
  backup
    .command('fetch')
    .description(
      'copy an archive (and its summary) from an S3 bucket into a directory (verify, drill and restore also read s3:// URLs directly)',
    )
    .argument('<url>', 's3://BUCKET/PREFIX/NAME.smbak')
    .option('--to <dir>', 'target directory (default: the current directory)')
    .action(async (url: string, flags: { to?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      parseS3Url(url);
      if (!url.endsWith('.smbak'))
        throw new SmgrError('USAGE', { detail: `${url} does not name an .smbak archive` });
      const dir = path.resolve(flags.to ?? '.');
      const file = path.join(dir, path.basename(url));
      if (fs.existsSync(file)) throw new SmgrError('FILE_EXISTS', { path: file });
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const partial = `${file}.partial`;
      try {
        await downloadArchive(s3Client(s3SettingsOf(ctx.home)), url, partial);
      } catch (e) {
        fs.rmSync(partial, { force: true });
        fs.rmSync(`${partial}.json`, { force: true });
        throw e;
      }
      if (fs.existsSync(`${partial}.json`)) fs.renameSync(`${partial}.json`, `${file}.json`);
      fs.renameSync(partial, file);
      ctx.out.result({ url, file, listed: listBackups(dir).some((b) => b.file === file) }, (r) =>
        ctx.out.line(`Fetched ${r.url} to ${r.file}`),
      );
    });
}

/** backup list --dir s3://…: the bucket's archives, newest first. */
export async function listBucket(home: Parameters<typeof readConfig>[0], url: string) {
  return listS3Backups(s3Client(s3SettingsOf(home)), parseS3Url(url));
}
