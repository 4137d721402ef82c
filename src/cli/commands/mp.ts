/**
 * smgr mp: management packs (docs/MANAGEMENT-PACKS.md §8). list, show,
 * import, export and remove run as operations (src/operations/mp.ts: through
 * the server running from this home, else on the database); keygen and seal
 * work on files only. Files are written atomically; an existing file is kept
 * unless --force.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { SmgrError } from '../../errors/smgr-error.js';
import { writeFileAtomic } from '../../files/atomic-write.js';
import { parsePackText } from '../../management-packs/check-pack.js';
import type { Pack } from '../../management-packs/pack-schema.js';
import { fingerprintOf, newSealingKey, sealPack } from '../../management-packs/pack-seal.js';
import type { PackSummary } from '../../management-packs/pack-summary.js';
import {
  mpExportOperation,
  mpImportOperation,
  mpListOperation,
  mpRemoveOperation,
  mpShowOperation,
} from '../../operations/mp.js';
import { type CliContext, contextOf } from '../cli-context.js';
import { runOperation } from '../run-operation.js';
import { importFromArchiveAction, registerFromArchiveFlags } from './mp-from-archive.js';

export function readTextFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
}

function writeNew(file: string, text: string, force: boolean | undefined, mode = 0o644): void {
  if (!force && fs.existsSync(file)) throw new SmgrError('FILE_EXISTS', { path: file });
  writeFileAtomic(file, text, { mode, exclusive: !force });
}

export const packText = (p: Pack): string => `${JSON.stringify(p, null, 2)}\n`;

function printSummary(ctx: CliContext, p: PackSummary): void {
  ctx.out.line(`${p.id} ${p.version}${p.removedAt ? ' (removed)' : ''}: ${p.name}`);
  if (p.description) ctx.out.line(`  ${p.description}`);
  ctx.out.line(`  ${p.sealed ? `sealed, key ${p.keyFingerprint}` : 'unsealed'}`);
  ctx.out.line(`  imported ${p.importedAt} by ${p.importedBy}`);
  for (const r of p.references) ctx.out.line(`  references ${r.id} ${r.minVersion} or later`);
  const counts = Object.entries(p.contents).filter(([, n]) => n > 0);
  if (counts.length) ctx.out.line(`  ${counts.map(([k, n]) => `${k} ${n}`).join(', ')}`);
}

export function registerMp(program: Command): void {
  const mp = program
    .command('mp')
    .description('management packs: the classes, lists, templates, catalog and views of the group');

  mp.command('list')
    .description('the imported packs')
    .option('--all', 'also the removed (hidden) ones')
    .action(async (flags: { all?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, mpListOperation, flags.all ? { all: true } : {});
      ctx.out.result(r, ({ packs }) => {
        const w = Math.max(2, ...packs.map((p) => p.id.length));
        ctx.out.line(`${'ID'.padEnd(w)}  ${'VERSION'.padEnd(12)}  ${'SEALED'.padEnd(8)}  NAME`);
        for (const p of packs) {
          const state = p.removedAt ? 'removed' : p.sealed ? 'sealed' : 'unsealed';
          ctx.out.line(`${p.id.padEnd(w)}  ${p.version.padEnd(12)}  ${state.padEnd(8)}  ${p.name}`);
        }
      });
    });

  mp.command('show')
    .description("a pack's summary (--json: also its document)")
    .argument('<id>', 'pack id')
    .action(async (id: string, _flags: object, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, mpShowOperation, { id });
      ctx.out.result(r, ({ pack }) => printSummary(ctx, pack));
    });

  const imp = mp
    .command('import')
    .description('import a pack (an unsealed one overwrites; a sealed one must be a compatible upgrade)')
    .argument('[file]', 'the pack, a JSON file')
    .action(async (file: string | undefined, flags: Record<string, string | undefined>, cmd: Command) => {
      const ctx = contextOf(cmd);
      if (flags.fromArchive) return importFromArchiveAction(ctx, file, flags);
      if (!file) throw new SmgrError('USAGE', { detail: 'give the pack FILE, or --from-archive ARCHIVE' });
      const document = parsePackText(readTextFile(file));
      const r = await runOperation(ctx, mpImportOperation, { documents: [document] });
      ctx.out.result(r, ({ imported }) => {
        for (const i of imported)
          ctx.out.line(
            `Pack ${i.id} ${i.version} ${i.outcome}${i.sealed ? ` (sealed, key ${i.keyFingerprint})` : ''}.`,
          );
      });
    });
  registerFromArchiveFlags(imp);

  mp.command('export')
    .description('write packs as files import takes: DIR/<id>.json (sealed ones with their seal)')
    .argument('[id]', 'one pack (default: every pack)')
    .requiredOption('--to <dir>', 'the directory to write into (made if missing)')
    .option('--unsealed', 'only the unsealed packs')
    .option('--force', 'replace files that exist')
    .action(
      async (
        id: string | undefined,
        flags: { to: string; unsealed?: boolean; force?: boolean },
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd);
        const r = await runOperation(ctx, mpExportOperation, {
          ...(id ? { id } : {}),
          ...(flags.unsealed ? { unsealed: true } : {}),
        });
        fs.mkdirSync(flags.to, { recursive: true });
        const files = r.packs.map((p) => path.join(flags.to, `${p.id}.json`));
        if (!flags.force)
          for (const f of files) if (fs.existsSync(f)) throw new SmgrError('FILE_EXISTS', { path: f });
        r.packs.forEach((p, i) => {
          writeNew(files[i]!, packText(p), flags.force);
        });
        ctx.out.result({ files }, () => {
          for (const f of files) ctx.out.line(`Wrote ${f}`);
          if (files.length === 0) ctx.out.line('No pack to export.');
        });
      },
    );

  mp.command('remove')
    .description('hide a pack and what it defined (nothing is deleted; importing it again shows it again)')
    .argument('<id>', 'pack id')
    .action(async (id: string, _flags: object, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, mpRemoveOperation, { id });
      ctx.out.result(r, () => ctx.out.line(`Pack ${id} removed (hidden; its data is kept).`));
    });

  mp.command('keygen')
    .description('write a new Ed25519 sealing key (PKCS#8 PEM, mode 0600); keep it away from the server')
    .requiredOption('--out <file>', 'where to write the private key')
    .option('--force', 'replace the file if it exists')
    .action(async (flags: { out: string; force?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      writeNew(flags.out, newSealingKey(), flags.force, 0o600);
      ctx.out.result({ file: flags.out }, () => ctx.out.line(`Wrote the sealing key ${flags.out}.`));
    });

  mp.command('seal')
    .description('sign a pack with a sealing key: writes PACK.sealed.json (or --out)')
    .argument('<pack>', 'the pack, a JSON file')
    .requiredOption('--key <file>', 'the private key smgr mp keygen wrote')
    .option('--out <file>', 'where to write the sealed pack')
    .option('--force', 'replace the output file if it exists')
    .action(async (file: string, flags: { key: string; out?: string; force?: boolean }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const pack = parsePackText(readTextFile(file));
      const keyText = readTextFile(flags.key);
      let sealed: Pack;
      try {
        sealed = sealPack(pack, keyText);
      } catch {
        throw new SmgrError('PACK_KEY_INVALID', { path: flags.key });
      }
      const out = flags.out ?? file.replace(/(\.json)?$/, '.sealed.json');
      writeNew(out, packText(sealed), flags.force);
      const fingerprint = fingerprintOf(sealed.seal!.publicKey);
      ctx.out.result({ file: out, id: sealed.id, version: sealed.version, keyFingerprint: fingerprint }, () =>
        ctx.out.line(`Sealed ${sealed.id} ${sealed.version} into ${out} (key ${fingerprint}).`),
      );
    });
}
