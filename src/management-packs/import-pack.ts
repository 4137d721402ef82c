/**
 * Importing and removing management packs (docs/MANAGEMENT-PACKS.md §1, §4,
 * §6). Every check (schema, seal, built-in ids, rules against the other
 * packs, sealed upgrade compatibility) runs before anything is written, under
 * the managementPacks lock in one transaction with the write and its audit
 * row: a refused import or removal changes nothing, and a crash leaves the
 * previous state.
 */

import { audit } from '../audit/audit.js';
import type { Database, Queryable, Transaction } from '../db/database.js';
import { SmgrError } from '../errors/smgr-error.js';
import { builtInPacks, releaseKeyFingerprint } from './built-in-packs.js';
import { checkPackDocument, invalidPack } from './check-pack.js';
import { PackCatalog } from './pack-catalog.js';
import { upgradeViolations } from './pack-compat.js';
import { BUILT_IN_PREFIX, packProblems } from './pack-rules.js';
import type { Pack } from './pack-schema.js';
import { fingerprintOf, sealVerifies, signedBytes } from './pack-seal.js';
import { activePacks, getPack, hidePack, listPacks, writePack } from './pack-store.js';
import { compareVersions } from './pack-version.js';

export type ImportOutcomeKind = 'imported' | 'overwritten' | 'upgraded' | 'unchanged' | 'restored';

export interface ImportOutcome {
  id: string;
  version: string;
  sealed: boolean;
  keyFingerprint: string | null;
  outcome: ImportOutcomeKind;
}

/** Imports one pack in its own transaction. */
export async function importPack(db: Database, value: unknown, actor: string): Promise<ImportOutcome> {
  return (await importPacks(db, [value], actor))[0]!;
}

/**
 * Imports several packs in one transaction (all or none), those referenced
 * by others first.
 */
export async function importPacks(db: Database, values: unknown[], actor: string): Promise<ImportOutcome[]> {
  const packs = referencedFirst(values.map((v) => checkPackDocument(v)));
  for (const p of packs) preCheck(p);
  return db.transaction(async (tx) => {
    await tx.lock('managementPacks');
    const out: ImportOutcome[] = [];
    for (const p of packs) out.push(await importIn(tx, p, actor));
    return out;
  });
}

function referencedFirst(packs: Pack[]): Pack[] {
  const byId = new Map(packs.map((p) => [p.id, p]));
  const out: Pack[] = [];
  const seen = new Set<string>();
  const visit = (p: Pack) => {
    if (seen.has(p.id)) return;
    seen.add(p.id);
    for (const r of p.references ?? []) {
      const dep = byId.get(r.id);
      if (dep) visit(dep);
    }
    out.push(p);
  };
  for (const p of packs) visit(p);
  return out;
}

/** The checks that need no database: the seal verifies, smgr.* ids only with the release key. */
function preCheck(pack: Pack): void {
  const fingerprint = pack.seal ? fingerprintOf(pack.seal.publicKey) : null;
  if (pack.seal && !sealVerifies(pack, pack.seal))
    throw new SmgrError('PACK_SIGNATURE_INVALID', { id: pack.id });
  if (pack.id.startsWith(BUILT_IN_PREFIX) && fingerprint !== releaseKeyFingerprint()) {
    throw new SmgrError('PACK_BUILT_IN', {
      id: pack.id,
      detail: "ids starting with smgr. belong to packs sealed with smgr's release key",
    });
  }
}

async function importIn(tx: Queryable, pack: Pack, actor: string): Promise<ImportOutcome> {
  const fingerprint = pack.seal ? fingerprintOf(pack.seal.publicKey) : null;
  {
    const existing = await getPack(tx, pack.id);
    const kind = outcomeOf(existing?.removedAt ?? null, existing?.document, pack);
    if (existing?.sealed) {
      if (!pack.seal)
        throw new SmgrError('PACK_SEALED', { id: pack.id, detail: 'an unsealed pack cannot replace it' });
      if (!samePack(existing.document, pack)) {
        const violations = upgradeViolations(existing.document, pack, {
          old: existing.keyFingerprint ?? '',
          next: fingerprint ?? '',
        });
        if (violations.length > 0) {
          throw new SmgrError('PACK_INCOMPATIBLE', {
            id: pack.id,
            version: pack.version,
            old: existing.version,
            detail: violations.join('; '),
          });
        }
      }
    }
    const others = new PackCatalog((await activePacks(tx)).filter((p) => p.id !== pack.id));
    const problems = packProblems(pack, others);
    problems.push(...(await dependantProblems(tx, pack, others)));
    if (problems.length > 0) throw invalidPack(problems);
    if (kind === 'unchanged') return outcome(pack, fingerprint, kind);
    await writePack(tx, { document: pack, sealed: !!pack.seal, keyFingerprint: fingerprint, actor });
    await audit(tx, actor, `management-pack.${kind}`, pack.id, {
      version: pack.version,
      sealed: !!pack.seal,
      ...(fingerprint ? { keyFingerprint: fingerprint } : {}),
    });
    return outcome(pack, fingerprint, kind);
  }
}

function outcome(pack: Pack, keyFingerprint: string | null, kind: ImportOutcomeKind): ImportOutcome {
  return { id: pack.id, version: pack.version, sealed: !!pack.seal, keyFingerprint, outcome: kind };
}

const samePack = (a: Pack, b: Pack) =>
  signedBytes(a).equals(signedBytes(b)) && a.seal?.signature === b.seal?.signature;

function outcomeOf(removedAt: string | null, old: Pack | undefined, next: Pack): ImportOutcomeKind {
  if (!old) return 'imported';
  if (removedAt) return 'restored';
  if (samePack(old, next)) return 'unchanged';
  return old.seal ? 'upgraded' : 'overwritten';
}

/**
 * The packs that reference `pack` and would no longer pass their own checks
 * with its new version (a minimum version no longer met, a list, template or
 * property they use gone): each problem prefixed with the dependant's id.
 */
async function dependantProblems(db: Queryable, pack: Pack, others: PackCatalog): Promise<string[]> {
  const out: string[] = [];
  const after = [...others.packs.values(), pack];
  for (const p of await listPacks(db)) {
    if (!p.document.references?.some((r) => r.id === pack.id)) continue;
    const problems = packProblems(p.document, new PackCatalog(after.filter((x) => x.id !== p.id)));
    out.push(...problems.map((x) => `pack ${p.id} (which references this one): ${x}`));
  }
  return out;
}

/** Hides a pack (never deletes it): refused for a built-in pack and one another pack references. */
export async function removePack(
  db: Database,
  id: string,
  actor: string,
): Promise<{ id: string; removed: true }> {
  return db.transaction(async (tx) => {
    await tx.lock('managementPacks');
    const existing = await getPack(tx, id);
    if (!existing || existing.removedAt) throw new SmgrError('PACK_NOT_FOUND', { id });
    if (id.startsWith(BUILT_IN_PREFIX))
      throw new SmgrError('PACK_BUILT_IN', { id, detail: 'it cannot be removed' });
    const by = (await listPacks(tx))
      .filter((p) => p.document.references?.some((r) => r.id === id))
      .map((p) => p.id);
    if (by.length > 0) throw new SmgrError('PACK_REFERENCED', { id, by: by.join(', ') });
    await hidePack(tx, id);
    await audit(tx, actor, 'management-pack.removed', id, { version: existing.version });
    return { id, removed: true as const };
  });
}

/**
 * Setup (new or existing database, so also after an upgrade): the built-in
 * packs this smgr ships, imported when the database has none of that id or
 * an older version (an upgrade checked like any sealed upgrade), inside the
 * caller's transaction.
 */
export async function importBuiltInPacks(tx: Transaction, actor: string): Promise<ImportOutcome[]> {
  await tx.lock('managementPacks');
  const out: ImportOutcome[] = [];
  for (const p of referencedFirst([...builtInPacks()])) {
    const existing = await getPack(tx, p.id);
    if (existing && compareVersions(p.version, existing.version) <= 0) continue;
    preCheck(p);
    out.push(await importIn(tx, p, actor));
  }
  return out;
}
