/**
 * smgr backup prune, the engine (issue 13 item 2): the archives of one
 * management group in a directory, the retention policy applied to them
 * (retention-policy.ts, with the evidence of which are verified and which a
 * drill proved), and the rest deleted — each deletion one `commit` call that
 * records it (audit log) and removes the archive and its summary, so a
 * deletion is never unlogged. Archives whose summary is missing or names
 * another group are never touched, nor one being read: in a directory its
 * `.reading-<pid>` marker of a live process (archive-use.ts), in a bucket a
 * live reader mark (docs/FORMAT.md §5; stale marks are deleted, reported in
 * `readers`). With dryRun, nothing is deleted.
 *
 * Crash: between deletions, whole deletions are done and logged, the rest
 * remain for the next prune. Inside one, the log row and the file removal
 * share a transaction that commits after the removal: a crash in between
 * leaves the archive deleted and its log row rolled back (the summary is
 * removed last, so the leftover summary names it until the next backup
 * removes it as a leftover).
 */
import fs from 'node:fs';
import path from 'node:path';
import { audit } from '../audit/audit.js';
import type { Queryable } from '../db/database.js';
import type { ArchiveEvidence } from '../recovery/archive-checks.js';
import { archiveInUse } from './archive-use.js';
import { type BackupListEntry, listBackups } from './backup-catalog.js';
import { applyRetention, type KeepReason, type RetentionPolicy } from './retention-policy.js';
import type { ReaderMarksSeen } from './s3-reader-mark.js';

export interface PruneOptions {
  directory: string;
  managementGroup: { id: string; name: string };
  policy: RetentionPolicy;
  evidence: Map<string, ArchiveEvidence>;
  dryRun: boolean;
  actor: string;
  /** Runs one deletion's log row and removal in one transaction (fenced on the workflow server). */
  commit(fn: (q: Queryable) => Promise<void>): Promise<void>;
  /** The archives, when not the local directory's (an S3 bucket). */
  list?(): Promise<BackupListEntry[]>;
  /** Deletes one archive and its summary, when not in the local directory. */
  remove?(file: string): Promise<void>;
  /** A bucket's reader marks (FORMAT §5): the archives being read; stale marks deleted (not in a dry run). */
  readers?(deleteStale: boolean): Promise<ReaderMarksSeen>;
  /** Told of each archive kept because it is being read (the server's log). */
  onBusy?(archive: { file: string; until: string | null }): void;
  /** Told of each deletion once it is done (the server's log). */
  onDelete?(archive: { file: string; createdAt: string | null; size: number }): void;
}

export interface PruneResult {
  directory: string;
  dryRun: boolean;
  policy: RetentionPolicy;
  kept: Array<{ file: string; createdAt: string | null; reasons: KeepReason[] }>;
  removed: Array<{ file: string; createdAt: string | null; size: number }>;
  /** Archives prune does not judge (no summary, another group). */
  ignored: Array<{ file: string; reason: string }>;
  /** A bucket's reader marks: archives kept while read (until the mark expires), stale marks deleted. */
  readers?: { busy: Array<{ file: string; until: string }>; staleMarksDeleted: string[] };
}

export async function pruneBackups(o: PruneOptions): Promise<PruneResult> {
  const all = o.list ? await o.list() : listBackups(o.directory);
  const ignored: PruneResult['ignored'] = [];
  const mine = all.filter((b) => {
    if (!b.summarized) ignored.push({ file: b.file, reason: 'no readable summary' });
    else if (b.managementGroup?.id !== o.managementGroup.id)
      ignored.push({ file: b.file, reason: `archive of group ${b.managementGroup?.name}` });
    else return true;
    return false;
  });
  const byId = new Map(mine.map((b) => [path.basename(b.file), b]));
  const marks = o.readers ? await o.readers(!o.dryRun) : undefined;
  const busy = (file: string) => (marks ? marks.busy.has(file) : o.list ? false : archiveInUse(file));
  const decision = applyRetention(
    mine.map((b) => {
      const id = path.basename(b.file);
      const ev = o.evidence.get(id);
      return {
        id,
        createdAt: new Date(b.createdAt ?? 0),
        verified: ev?.verified ?? false,
        drillPassed: ev?.drillPassed ?? false,
        busy: busy(b.file),
      };
    }),
    o.policy,
  );
  for (const k of decision.keep) {
    const file = byId.get(k.id)!.file;
    if (k.reasons.includes('busy')) o.onBusy?.({ file, until: marks?.busy.get(file) ?? null });
  }
  const removed: PruneResult['removed'] = [];
  for (const id of decision.remove) {
    const b = byId.get(id)!;
    const entry = { file: b.file, createdAt: b.createdAt, size: b.size };
    if (!o.dryRun) {
      await o.commit(async (q) => {
        await audit(q, o.actor, 'backup.prune', id, {
          directory: o.directory,
          createdAt: b.createdAt,
          size: b.size,
          policy: o.policy,
        });
        if (o.remove) await o.remove(b.file);
        else {
          fs.rmSync(b.file, { force: true });
          fs.rmSync(`${b.file}.json`, { force: true });
        }
      });
      o.onDelete?.(entry);
    }
    removed.push(entry);
  }
  return {
    directory: o.directory,
    dryRun: o.dryRun,
    policy: o.policy,
    kept: decision.keep.map((k) => ({
      file: byId.get(k.id)!.file,
      createdAt: byId.get(k.id)!.createdAt,
      reasons: k.reasons,
    })),
    removed,
    ignored,
    ...(marks
      ? {
          readers: {
            busy: [...marks.busy].map(([file, until]) => ({ file, until })),
            staleMarksDeleted: marks.deleted,
          },
        }
      : {}),
  };
}
