/**
 * The management server's contribution to `smgr recover` (docs/RECOVERY.md
 * §4a): with an archive, restore its ServiceManager database into an empty
 * (or absent) target; then setup with the existing database (the rebind
 * under the same computer name). Its preflight checks read the target
 * database (queries only; an absent embedded directory is not created) or
 * the archive, and the home; they write nothing.
 *
 * Each step is safe to run again after a crash: the restore is one
 * transaction (a target holding the archive's group after a begun restore
 * was restored by it); setup finds the rebind tagged with the journal's id
 * and then writes only config.json.
 */
import { type Progress, reportStep } from '../backup/progress.js';
import { restoreDatabase } from '../backup/restore-database.js';
import { defaultDatabaseUrl } from '../computer/home.js';
import { DEFAULT_LISTEN, readConfig } from '../config/config-file.js';
import { parseDatabaseUrl } from '../db/database-url.js';
import { isEmptyDatabase } from '../db/migrate.js';
import { openDatabase } from '../db/open-database.js';
import { isNewDataDir } from '../db/pglite-template.js';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { kekMatches } from '../keys/key-hierarchy.js';
import { ALIVE_WINDOW_S } from '../management-group/registration.js';
import { nameInUse } from '../management-group/require-name-free.js';
import { setupExistingDatabase } from '../management-group/setup-existing-database.js';
import { type GroupSnapshot, readGroupSnapshot } from '../recovery/group-snapshot.js';
import { probeListen } from '../recovery/probe-listen.js';
import type {
  PartRecoveryPlan,
  PreflightCheck,
  RecoveryInput,
  RecoveryStep,
} from '../recovery/recovery-plan.js';

const RESTORE = 'management-server:restore-database';
const SETUP = 'management-server:setup';

type Target =
  | { state: 'absent' }
  | { state: 'empty' }
  | { state: 'tables' }
  | { state: 'group'; snapshot: GroupSnapshot };

/** What the target database holds, read with queries only (an absent embedded directory stays absent). */
async function inspectTarget(url: string): Promise<Target> {
  const parsed = parseDatabaseUrl(url);
  if (parsed.dataDir && isNewDataDir(parsed.dataDir)) return { state: 'absent' };
  const db = await openDatabase(url);
  try {
    if (await isEmptyDatabase(db)) return { state: 'empty' };
    const snapshot = await readGroupSnapshot(db, db.displayUrl);
    return snapshot.group ? { state: 'group', snapshot } : { state: 'tables' };
  } finally {
    await db.close();
  }
}

export async function managementServerRecoveryPlan(
  input: RecoveryInput,
): Promise<PartRecoveryPlan | undefined> {
  const fileKeys = input.keyBackup.keys.filter((k) => k.part === 'management-group');
  if (fileKeys.length === 0) return undefined;
  const target = parseDatabaseUrl(input.databaseUrl ?? defaultDatabaseUrl(input.home));
  const listen = input.listen ?? DEFAULT_LISTEN;
  const group = input.keyBackup.managementGroup;
  // Another part's archive (FORMAT §2.12: the data warehouse's) is that part's to restore.
  const archivePart = input.archive ? await input.archive.part() : undefined;
  const archive = archivePart === 'data-warehouse' ? undefined : input.archive;
  const steps: RecoveryStep[] = [];
  if (archive) {
    steps.push({
      id: RESTORE,
      title: `restore the ServiceManager database from the archive into ${target.displayUrl}`,
      reads: [archive.file, `the backup identity in ${input.keyFile}`],
      writes: [`the database ${target.displayUrl} (one transaction; an absent embedded one is created)`],
      async run(ctx) {
        if (ctx.begunBefore) {
          const t = await inspectTarget(target.url);
          if (t.state === 'group' && t.snapshot.group?.id === group.id)
            return 'restored by the interrupted run';
        }
        const r = await restoreDatabase({
          ...archive.reader(ctx.progress), // s3-recover: streamed from a bucket when --from is s3://
          file: archive.file,
          targetUrl: target.url,
          progress: ctx.progress,
        });
        const rows = r.tables.reduce((n, t) => n + t.rows, 0);
        return `${r.tables.length} tables, ${rows} rows restored and checked; schema ${r.archiveSchemaVersion} → ${r.schemaVersion}`;
      },
    });
  }
  steps.push({
    id: SETUP,
    title: `set up the management server ${input.computerName} with the existing database`,
    reads: [`secure storage (${input.home.secureStorage})`, `the database ${target.displayUrl}`],
    writes: [
      `the database ${target.displayUrl}: pending migrations, the registration of ${input.computerName} (rebind) and an audit row`,
      input.home.config,
    ],
    async run(ctx) {
      const installed = readConfig(input.home)?.parts['management-server'];
      if (installed?.managementGroup.id === group.id) return 'installed by the interrupted run';
      const r = await setupExistingDatabase({
        home: input.home,
        computerName: input.computerName,
        databaseUrl: target.url,
        listen,
        force: input.force,
        wait: input.wait,
        onWait: (message) => reportStep(ctx.progress, message),
        recoveryId: ctx.recoveryId,
      });
      return `${r.computerName}: role ${r.role}${r.rebound ? ', registration rebound' : ', registered'}; config written`;
    },
  });

  return {
    steps,
    databases: [target.displayUrl],
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
      const setupDone = input.done.has(SETUP);
      let snapshot: GroupSnapshot | undefined;
      if (archive && !restoreDone) {
        await check('archive', async () => {
          reportStep(
            progress,
            `verifying ${archive.file}: every table's count and hash, before anything is written`,
          );
          const a = await archive.snapshot(progress);
          snapshot = a.group;
          return `${archive.file} verifies: made ${a.createdAt} by management group "${a.group.group?.name}", ${a.tables.length} tables, every count and hash checked${a.authenticated ? ', authenticated' : ''}`;
        });
      }
      await check('target database', async () => {
        const t = await inspectTarget(target.url);
        if (archive && !restoreDone) {
          if (t.state === 'absent') return `${target.displayUrl} is absent: the restore creates it`;
          if (t.state === 'empty') return `${target.displayUrl} is empty: the restore fills it`;
          if (t.state === 'group' && t.snapshot.group?.id === group.id && input.begun.has(RESTORE)) {
            snapshot = t.snapshot;
            return `${target.displayUrl} holds management group "${group.name}", restored by the interrupted run`;
          }
          throw new SmgrError('RECOVER_TARGET_NOT_EMPTY', { url: target.displayUrl });
        }
        if (t.state !== 'group') throw new SmgrError('DATABASE_NO_GROUP', { url: target.displayUrl });
        snapshot = t.snapshot;
        return `${target.displayUrl} holds management group "${t.snapshot.group?.name}"`;
      });
      if (snapshot) {
        const s = snapshot;
        await check('group and keys', async () => checkKeys(s, input));
        if (!setupDone)
          await check('computer name', async () => checkName(s, input, target.engine === 'embedded'));
      }
      if (!setupDone) {
        await check('home', async () => {
          const installed = readConfig(input.home)?.parts['management-server'];
          if (!installed) return `${input.home.root} has no management server installed`;
          if (installed.managementGroup.id === group.id && input.begun.has(SETUP)) {
            return `${input.home.root}: installed by the interrupted run`;
          }
          throw new SmgrError('ALREADY_INSTALLED', {
            home: input.home.root,
            group: installed.managementGroup.name,
          });
        });
        await check('listen address', async () => {
          await probeListen(listen);
          return `${listen} is free`;
        });
      }
      return checks;
    },
  };
}

/** The database's group is the key file's, and its key records verify against the file's keys. */
function checkKeys(s: GroupSnapshot, input: RecoveryInput): string {
  const file = input.keyBackup;
  if (s.group?.id !== file.managementGroup.id) {
    throw new SmgrError('RECOVER_OTHER_GROUP', {
      path: input.keyFile,
      file: file.managementGroup.name,
      source: s.source,
      found: s.group?.name ?? '(none)',
    });
  }
  const records = s.keyRecords.filter((r) => r.part === 'management-group');
  const matched: string[] = [];
  for (const r of records) {
    const key = file.keys.find((k) => k.keyId === r.keyId);
    if (!key) continue;
    if (!kekMatches(key.kek, r.keyId, r.verifier)) {
      throw new SmgrError('RECOVER_KEY_MISMATCH', { keyId: r.keyId, path: input.keyFile, source: s.source });
    }
    matched.push(r.keyId);
  }
  if (matched.length === 0) {
    throw new SmgrError('RECOVER_KEY_NOT_IN_FILE', {
      path: input.keyFile,
      keyId: records[0]?.keyId ?? '(none)',
      group: file.managementGroup.name,
      source: s.source,
    });
  }
  return `management group "${file.managementGroup.name}"; key ${matched.join(', ')} verifies against its record in ${s.source}`;
}

/** The name is not live in the group (unless forced); an embedded group holds one management server. */
function checkName(s: GroupSnapshot, input: RecoveryInput, embedded: boolean): string {
  const servers = s.registrations.filter((r) => r.part === 'management-server');
  const reg = servers.find((r) => r.computerName === input.computerName);
  if (reg?.alive && !input.force) {
    if (!input.wait) throw nameInUse({ ...reg, computerName: input.computerName });
    return `${input.computerName} still heartbeated ${ALIVE_WINDOW_S - reg.aliveLeftS} s ago: setup waits up to ${reg.aliveLeftS} s for it to count as gone (--wait), then rebinds to it`;
  }
  if (reg)
    return `${input.computerName} is registered and not live${reg.alive ? ' (taken over: --force)' : ''}: setup rebinds to it`;
  if (embedded && servers.length > 0) {
    throw new SmgrError('EMBEDDED_SINGLE_SERVER', {
      computer: servers[0]!.computerName,
      given: input.computerName,
    });
  }
  return `${input.computerName} is not registered: setup registers it as a secondary`;
}
