/**
 * smgr mp list / show / import / export / remove (docs/MANAGEMENT-PACKS.md
 * §8): the management packs of the group, through the running server when
 * there is one, else on the database directly. Import and remove are
 * all-or-nothing (src/management-packs/import-pack.ts); export answers the
 * documents and the CLI writes the files.
 */
import { Type } from 'typebox';
import { SmgrError } from '../errors/smgr-error.js';
import { type ImportOutcome, importPacks, removePack } from '../management-packs/import-pack.js';
import type { Pack } from '../management-packs/pack-schema.js';
import { getPack, listPacks } from '../management-packs/pack-store.js';
import { type PackSummary, packSummary } from '../management-packs/pack-summary.js';
import type { OpenedManagementServer } from '../management-server/management-server-part.js';
import type { Installation } from '../parts/installation.js';
import { defineOperation } from './operation.js';

const strict = { additionalProperties: false } as const;
const PackIdInput = Type.String({ minLength: 1, maxLength: 128 });
const dbOf = (inst: Installation) => inst.part<OpenedManagementServer>('management-server').db;
const actorOf = (inst: Installation) => `cli@${inst.computerName}`;

export const mpListOperation = defineOperation({
  name: 'mp-list',
  input: Type.Object({ all: Type.Optional(Type.Boolean()) }, strict),
  async run(inst, input): Promise<{ packs: PackSummary[] }> {
    const packs = await listPacks(dbOf(inst), { includeRemoved: input.all ?? false });
    return { packs: packs.map(packSummary) };
  },
});

export const mpShowOperation = defineOperation({
  name: 'mp-show',
  input: Type.Object({ id: PackIdInput }, strict),
  async run(inst, input): Promise<{ pack: PackSummary; document: Pack }> {
    const p = await getPack(dbOf(inst), input.id);
    if (!p) throw new SmgrError('PACK_NOT_FOUND', { id: input.id });
    return { pack: packSummary(p), document: p.document };
  },
});

export const mpImportOperation = defineOperation({
  name: 'mp-import',
  input: Type.Object({ documents: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 1000 }) }, strict),
  async run(inst, input): Promise<{ imported: ImportOutcome[] }> {
    return { imported: await importPacks(dbOf(inst), input.documents, actorOf(inst)) };
  },
});

export const mpExportOperation = defineOperation({
  name: 'mp-export',
  input: Type.Object({ id: Type.Optional(PackIdInput), unsealed: Type.Optional(Type.Boolean()) }, strict),
  async run(inst, input): Promise<{ packs: Pack[] }> {
    const db = dbOf(inst);
    if (input.id) {
      const p = await getPack(db, input.id);
      if (!p || p.removedAt) throw new SmgrError('PACK_NOT_FOUND', { id: input.id });
      return { packs: [p.document] };
    }
    const packs = await listPacks(db);
    return { packs: packs.filter((p) => !input.unsealed || !p.sealed).map((p) => p.document) };
  },
});

export const mpRemoveOperation = defineOperation({
  name: 'mp-remove',
  input: Type.Object({ id: PackIdInput }, strict),
  async run(inst, input): Promise<{ id: string; removed: true }> {
    return removePack(dbOf(inst), input.id, actorOf(inst));
  },
});
