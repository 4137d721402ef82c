/**
 * The data warehouse's contribution to `smgr recover` (docs/RECOVERY.md §9,
 * issue 13 item 1): when the key backup file holds a DW key — with a DW
 * archive (`--from`), restore DWStagingAndConfig, DWRepository and
 * DWDataMart (restore-dw.ts) into the databases given (default: embedded in
 * the home); then setup with the existing DWStagingAndConfig under the same
 * computer name (setup-existing-dw.ts), after which `smgr serve` extracts
 * from the restored watermark. Its preflight checks read the archive, the
 * target databases (queries only; an absent embedded directory is not
 * created) and the home; they write nothing.
 *
 * Each step is safe to run again after a crash: the restore resumes (a
 * database committed by the interrupted run carries its marker, FORMAT
 * §2.12), or finds all three restored (the DW group in DWStagingAndConfig
 * after a begun restore); setup finds the DW installed by the interrupted
 * run, or rebinds the registration the crash left.
 */
import type { ArchivePart } from '../backup/archive-format.js';
import { checkArchive } from '../backup/check-archive.js';
import { type Progress, reportStep } from '../backup/progress.js';
import { defaultDatabaseUrl } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { DEFAULT_DW_LISTEN } from '../config/data-warehouse-config.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { isEmptyDatabase } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { isNewDataDir } from '../db/pglite-template.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { listKeyRecords } from '../keys/key-records.js';
import { probeListen } from '../recovery/probe-listen.js';
import type {
  PartRecoveryPlan,
  PreflightCheck,
  RecoveryInput,
  RecoveryStep,
} from '../recovery/recovery-plan.js';
import { DW_DATABASES, type DwDatabaseRole } from './dw-databases.js';
import { findDwGroup } from './dw-group.js';
import { restoreDataWarehouse } from './restore-dw.js';
import { setupExistingDw } from './setup-existing-dw.js';

const RESTORE = 'data-warehouse:restore-databases';
const SETUP = 'data-warehouse:setup';

type Staging =
  | { state: 'absent' }
  | { state: 'empty' }
  | { state: 'tables' }
  | { state: 'group'; id: string; name: string; records: Array<{ keyId: string; verifier: Buffer }> };

async function inspectStaging(url: string): Promise<Staging> {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dataDir && isNewDataDir(parsed.dataDir)) return { state: 'absent' };
  const db = await openDatabase(url);
  try {
    if (await isEmptyDatabase(db)) return { state: 'empty' };
    const g = await findDwGroup(db);
    if (!g) return { state: 'tables' };
    const records = (await listKeyRecords(db)).filter((k) => k.part === 'data-warehouse');
    return { state: 'group', id: g.id, name: g.name, records };
  } finally {
    await db.close();
  }
}

/** Empty (or absent) for a restore, else RECOVER_TARGET_NOT_EMPTY; queries only. */
async function targetReady(url: string): Promise<string> {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dataDir && isNewDataDir(parsed.dataDir))
    return `${parsed.displayUrl} is absent: the restore creates it`;
  const db = await openDatabase(url);
  try {
    if (await isEmptyDatabase(db)) return `${parsed.displayUrl} is empty: the restore fills it`;
    const c = await db.query<{ c: string | null }>(
      "SELECT obj_description('public'::regnamespace, 'pg_namespace') AS c",
    );
    if (c.rows[0]?.c?.startsWith('smgr-restore '))
      return `${parsed.displayUrl} was restored by an interrupted restore of an archive: a restore of the same archive goes on`;
  } finally {
    await db.close();
  }
  throw new SmgrError('RECOVER_TARGET_NOT_EMPTY', { url: parsed.displayUrl });
}

export async function dataWarehouseRecoveryPlan(input: RecoveryInput): Promise<PartRecoveryPlan | undefined> {
  const key = input.keyBackup.keys.find((k) => k.part === 'data-warehouse');
  if (!key) return undefined;
  const group = key.managementGroup ?? input.keyBackup.managementGroup;
  const hasMs = input.keyBackup.keys.some((k) => k.part === 'management-group');
  const part: ArchivePart | undefined = input.archive ? await input.archive.part() : undefined;
  // The archive is the DW's when it says so, or (unreadable) when the file holds no management group key.
  const archive =
    input.archive && (part === 'data-warehouse' || (part === undefined && !hasMs))
      ? input.archive
      : undefined;
  const given = input.dwDatabases ?? {};
  const urls = Object.fromEntries(
    DW_DATABASES.map((s) => [
      s.role,
      parseDatabaseUrl(given[s.role] ?? defaultDatabaseUrl(input.home, s.name)).url,
    ]),
  ) as Record<DwDatabaseRole, string>;
  const display = DW_DATABASES.map((s) => parseDatabaseUrl(urls[s.role]).displayUrl);
  const listen = input.listen ?? DEFAULT_DW_LISTEN;
  const steps: RecoveryStep[] = [];
  if (archive) {
    steps.push({
      id: RESTORE,
      title: `restore DWStagingAndConfig, DWRepository and DWDataMart from the archive into ${display.join(', ')}`,
      reads: [archive.file, `the DW key in ${input.keyFile}`],
      writes: display.map(
        (d) => `the database ${d} (one transaction each; an absent embedded one is created)`,
      ),
      async run(ctx) {
        if (ctx.begunBefore) {
          const s = await inspectStaging(urls.staging);
          if (s.state === 'group' && s.id === group.id && (await markerGone(urls)))
            return 'restored by the interrupted run';
        }
        const r = await restoreDataWarehouse({
          ...archive.reader(ctx.progress), // s3-recover: streamed from a bucket when --from is s3://
          expectedGroup: group,
          file: archive.file,
          urls,
          progress: ctx.progress,
        });
        return r.databases
          .map(
            (d) =>
              `${d.name}: ${d.restored ? `${d.tables.reduce((n, t) => n + t.rows, 0)} rows restored and checked` : 'restored by the interrupted run'}`,
          )
          .join('; ');
      },
    });
  }
  steps.push({
    id: SETUP,
    title: `set up the data warehouse server ${input.computerName} with the existing DWStagingAndConfig`,
    reads: [`secure storage (${input.home.secureStorage})`, `the database ${display[0]}`],
    writes: [
      `the databases ${display.join(', ')}: pending migrations; ${display[0]}: the registration of ${input.computerName} (rebind) and an audit row`,
      input.home.config,
    ],
    async run(ctx) {
      const installed = readConfig(input.home)?.parts['data-warehouse'];
      if (installed?.managementGroup.id === group.id) return 'installed by the interrupted run';
      const r = await setupExistingDw({
        home: input.home,
        computerName: input.computerName,
        stagingUrl: urls.staging,
        listen,
        force: input.force,
        wait: input.wait,
        onWait: (message) => reportStep(ctx.progress, message),
      });
      return `${r.computerName}: ${r.rebound ? 'registration rebound' : 'registered'}; config written; smgr serve extracts from the restored watermark`;
    },
  });

  return {
    steps,
    databases: display,
    async preflight(progress: Progress): Promise<PreflightCheck[]> {
      const checks: PreflightCheck[] = [];
      const check = async (name: string, fn: () => Promise<string>) => {
        try {
          checks.push({ name, ok: true, detail: await fn() });
        } catch (e) {
          if (!isSmgrError(e)) throw e;
          checks.push({ name, ok: false, detail: e.message, error: e });
        }
      };
      const restoreDone = input.done.has(RESTORE);
      if (archive && !restoreDone) {
        await check('data warehouse archive', async () => {
          reportStep(
            progress,
            `verifying ${archive.file}: every table's count and hash, before anything is written`,
          );
          const c = await checkArchive(
            archive.file,
            { ...archive.reader(progress), expectedGroup: group },
            { progress },
          );
          if (c.header.part !== 'data-warehouse') {
            throw new SmgrError('ARCHIVE_OTHER_PART', {
              path: archive.file,
              found: c.header.part ?? 'management-server',
              expected: 'data-warehouse',
              command: 'smgr recover with the key backup file of that part',
            });
          }
          const rows = c.manifest.databases.reduce((n, d) => n + d.tables.reduce((m, t) => m + t.rows, 0), 0);
          return `${archive.file} verifies: made ${c.header.createdAt} by data warehouse "${c.header.managementGroup.name}", ${rows} rows in 3 databases, every count and hash checked, authenticated`;
        });
        for (const s of DW_DATABASES) {
          await check(`target ${s.name}`, async () => {
            if (input.begun.has(RESTORE)) {
              const st = s.role === 'staging' ? await inspectStaging(urls.staging) : undefined;
              if (st?.state === 'group' && st.id === group.id)
                return `${display[0]} holds "${group.name}", restored by the interrupted run`;
            }
            return targetReady(urls[s.role]);
          });
        }
      } else if (!input.done.has(SETUP)) {
        await check('DWStagingAndConfig', async () => {
          const s = await inspectStaging(urls.staging);
          if (s.state !== 'group') throw new SmgrError('DW_DATABASE_NO_GROUP', { url: display[0]! });
          if (s.id !== group.id) {
            throw new SmgrError('RECOVER_OTHER_GROUP', {
              path: input.keyFile,
              file: group.name,
              source: display[0]!,
              found: s.name,
            });
          }
          const record = s.records.find((r) => r.keyId === key.keyId);
          if (!record || !kekMatches(key.kek, record.keyId, record.verifier))
            throw new SmgrError('RECOVER_KEY_MISMATCH', {
              keyId: key.keyId,
              path: input.keyFile,
              source: display[0]!,
            });
          return `${display[0]} holds data warehouse "${s.name}"; key ${key.keyId} verifies against its record`;
        });
      }
      if (!input.done.has(SETUP)) {
        await check('home', async () => {
          const installed = readConfig(input.home)?.parts['data-warehouse'];
          if (!installed) return `${input.home.root} has no data warehouse installed`;
          if (installed.managementGroup.id === group.id && input.begun.has(SETUP))
            return `${input.home.root}: installed by the interrupted run`;
          throw new SmgrError('ALREADY_INSTALLED', {
            home: input.home.root,
            group: installed.managementGroup.name,
          });
        });
        await check('DW listen address', async () => {
          await probeListen(listen);
          return `${listen} is free`;
        });
      }
      return checks;
    },
  };
}

/** No database of the three still carries a restore's marker (all three committed and cleaned). */
async function markerGone(urls: Record<DwDatabaseRole, string>): Promise<boolean> {
  for (const s of DW_DATABASES) {
    const db = await openDatabase(urls[s.role]);
    try {
      if (await isEmptyDatabase(db)) return false;
      const c = await db.query<{ c: string | null }>(
        "SELECT obj_description('public'::regnamespace, 'pg_namespace') AS c",
      );
      if (c.rows[0]?.c?.startsWith('smgr-restore ')) return false;
    } finally {
      await db.close();
    }
  }
  return true;
}
