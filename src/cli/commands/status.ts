/** smgr status: every part installed here (src/operations/status.ts), through the server or directly. */
import type { Command } from 'commander';
import { statusOperation } from '../../operations/status.js';
import { contextOf } from '../cli-context.js';
import { runOperation } from '../run-operation.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the parts installed here, their groups, computers and liveness, and the key ids')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, statusOperation, {});
      ctx.out.result(r, () => {
        ctx.out.line(`Computer: ${r.computerName}`);
        for (const p of r.parts) {
          ctx.out.line('');
          ctx.out.line(
            `${p.part} (${p.role}) in management group "${p.managementGroup.name}" (${p.managementGroup.id})`,
          );
          for (const d of p.databases) {
            ctx.out.line(`  ${`${d.name}:`.padEnd(18)}${d.url} (${d.engine}, schema ${d.schemaVersion})`);
          }
          for (const s of p.summary) ctx.out.line(`  ${`${s.label}:`.padEnd(18)}${s.value}`);
          for (const k of p.keys) {
            const here = k.inSecureStorage
              ? k.verifies
                ? 'here, verifies'
                : 'here, DOES NOT VERIFY'
              : 'not on this computer';
            ctx.out.line(
              `  ${`Key ${k.keyId}:`.padEnd(18)}${k.part}, ${here}; last key backup ${k.lastBackupAt ?? 'never'}`,
            );
          }
        }
      });
      for (const w of r.warnings) ctx.out.warn(w);
    });
}
