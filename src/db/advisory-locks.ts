/**
 * Every advisory lock smgr takes, by name, in one table: a lock id is a
 * contract between processes (and between smgr versions running against one
 * server), so an id is never reused for another purpose nor changed. Taken
 * through Transaction.lock()/tryLock(), transaction-scoped: the server
 * releases them at COMMIT or ROLLBACK, and when the connection dies.
 */
export const ADVISORY_LOCKS = {
  /** Migrations of one database: the second migrator waits, then finds them applied. */
  migrate: 8420001,
  /** One backup of a group at a time (docs/FORMAT.md §2.6 rule 4). */
  backup: 8420002,
  /**
   * One process fills an empty database at a time (setup --new-database, restore database):
   * whoever comes second decides, under this lock, that the database is no longer empty.
   */
  fill: 8420003,
} as const;

export type AdvisoryLockName = keyof typeof ADVISORY_LOCKS;
