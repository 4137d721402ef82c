/**
 * Every PostgreSQL advisory lock smgr takes, one id each. Advisory lock ids
 * share one bigint key space per database (with any other application using
 * that database), so they are kept here, where a new one cannot reuse an old
 * one by accident: smgr's are 8420 followed by three digits. Never renumber
 * one: servers of different versions running against one database during an
 * upgrade must still exclude each other.
 *
 * All are transaction-scoped, taken through Transaction.lock()/tryLock()
 * (src/db/database.ts): the database releases them at commit or rollback, or
 * when the session dies, so a crash leaves none behind.
 */
export const ADVISORY_LOCKS = {
  /**
   * Applying a migration (src/db/migrate.ts): a second process migrating the
   * same database waits, then finds the migration applied and skips it.
   */
  migrate: 8420001,
  /**
   * A backup snapshot of the group (src/backup/create-backup.ts): tried, not
   * waited for, so a backup started on another computer of a server group is
   * refused with BACKUP_IN_PROGRESS. On one computer `<home>/backup.lock`
   * (src/files/file-lock.ts) already excludes a second backup.
   */
  groupBackup: 8420002,
  /**
   * Filling an empty database: setting up a new group in it
   * (src/management-group/setup-new-database.ts) or restoring an archive into
   * it (src/backup/restore-*.ts). Two setups, two restores, or one of each
   * racing into one database take turns; the second then finds the database
   * not empty (DATABASE_NOT_EMPTY, RESTORE_TARGET_NOT_EMPTY).
   */
  setup: 8420003,
  // --- management packs (issue 10)
  /**
   * Importing, upgrading or removing a management pack
   * (src/management-packs/import-pack.ts): the checks against the other packs
   * and the write happen under it, so two imports cannot each pass the checks
   * against a state the other changes.
   */
  managementPacks: 8420101,
  /**
   * An extract run of the data warehouse (src/data-warehouse/extract-job.ts),
   * in DWStagingAndConfig: tried, held for the run; a second runner is
   * refused with DW_EXTRACT_RUNNING.
   */
  dwExtract: 8420006,
  // --- dw-etl (issue 11): the other DW jobs, each tried and held for its run in
  // DWStagingAndConfig (src/data-warehouse/dw-job-run.ts); a second runner is
  // refused with DW_JOB_RUNNING.
  dwTransform: 8420111,
  dwLoad: 8420112,
  dwMaintenance: 8420113,
  dwMpsync: 8420114,
  // --- end dw-etl
} as const;

export type AdvisoryLock = keyof typeof ADVISORY_LOCKS;
/** The same, by the name the Database interface takes. */
export type AdvisoryLockName = AdvisoryLock;
