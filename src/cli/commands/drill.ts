/** smgr drill [ARCHIVE]: run a restore drill, print its evidence; exit 1 when it failed. */
import path from 'node:path';
import type { Command } from 'commander';
import { isS3Url } from '../../backup/s3-target.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { drillOperation } from '../../operations/drill.js';
import type { ArchiveCheck } from '../../recovery/archive-checks.js';
import { contextOf } from '../cli-context.js';
import { runOperation } from '../run-operation.js';

/** A path resolved here; an s3:// URL (s3-stream: drilled from the bucket) as given. */
const local = (p: string) => (isS3Url(p) ? p : path.resolve(p));

const seconds = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(1)} s`);

export function registerDrill(program: Command): void {
  program
    .command('drill')
    .description(
      'restore an archive into a scratch embedded installation (in a child process), start it, run doctor, measure restore and API times, delete it, and record the evidence',
    )
    .argument(
      '[archive]',
      'the .smbak archive, or s3://BUCKET/PREFIX/NAME.smbak (default: the newest of this group in the backup directory)',
    )
    .option(
      '--dir <dir>',
      'backup directory or s3://BUCKET[/PREFIX] to take the newest archive from (default: config backup.directory, else <home>/backups)',
    )
    .option(
      '--part <part>',
      "drill this part's archives only: management-server or data-warehouse (default: every installed part with archives; with ARCHIVE, the archive's part)",
    )
    .action(async (archive: string | undefined, flags: { dir?: string; part?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const { drill, drills } = await runOperation(
        ctx,
        drillOperation,
        {
          archive: archive ? local(archive) : undefined,
          directory: flags.dir ? local(flags.dir) : undefined,
          part: flags.part,
        },
        { progress: true },
      );
      const failed = drills.find((d) => !d.ok);
      if (failed && ctx.out.json)
        throw new SmgrError('DRILL_FAILED', { archive: failed.archive, reason: failed.error ?? 'unknown' });
      ctx.out.result({ drill, drills }, () => {
        for (const d of drills) printDrill(ctx.out, d);
      });
      if (failed)
        throw new SmgrError('DRILL_FAILED', { archive: failed.archive, reason: failed.error ?? 'unknown' });
    });
}

function printDrill(out: { line(s: string): void }, drill: ArchiveCheck): void {
  out.line(`Drill ${drill.ok ? 'PASSED' : 'FAILED'}: ${drill.archive} (made ${drill.archiveCreatedAt})`);
  out.line(`restore ${seconds(drill.restoreMs)}, API answered after ${seconds(drill.apiMs)}`);
  out.line(
    `${drill.tablesChecked ?? 0} tables, ${(drill.rowsChecked ?? 0).toLocaleString('en-US')} rows counted against the manifest`,
  );
  const bad = (drill.doctor ?? []).filter((c) => c.state !== 'pass');
  out.line(
    `doctor: ${drill.doctorOk === undefined ? 'not run' : drill.doctorOk ? 'passed' : 'FAILED'}${bad.length ? ` (${bad.map((c) => `${c.name} ${c.state}`).join(', ')})` : ''}`,
  );
}
