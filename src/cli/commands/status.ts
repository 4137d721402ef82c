/** smgr status: asks the running server, or opens the database itself when none runs. */
import type { Command } from 'commander';
import { openInstallation } from '../../computer/installation.js';
import { collectStatus, type StatusReport } from '../../management-group/status.js';
import { callAdmin } from '../../management-server/admin-client.js';
import { contextOf } from '../cli-context.js';
import type { Output } from '../output.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the management group, its computers and their liveness, and the key ids')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      let report = await callAdmin<StatusReport>(ctx.home, 'status');
      if (!report) {
        const inst = await openInstallation(ctx.home, ctx.computerNameFlag);
        try {
          report = await collectStatus(inst.db, inst.config, inst.storage);
        } finally {
          await inst.db.close();
        }
      }
      printStatus(ctx.out, report);
    });
}

function printStatus(out: Output, r: StatusReport): void {
  out.result(r, () => {
    out.line(`Management group: ${r.managementGroup.name} (${r.managementGroup.id})`);
    out.line(
      `This computer:    ${r.computerName} — ${r.parts.map((p) => `${p.part} (${p.role})`).join(', ') || 'not registered'}`,
    );
    out.line(
      `Database:         ${r.database.url} (${r.database.engine}, schema ${r.database.schemaVersion})`,
    );
    out.line('Servers:');
    for (const s of r.servers) {
      out.line(
        `  ${s.computerName.padEnd(20)} ${s.part.padEnd(18)} ${s.role.padEnd(10)} ${s.alive ? 'alive' : 'not running'}  last heartbeat ${s.lastHeartbeat ?? 'never'}`,
      );
    }
    out.line('Keys:');
    for (const k of r.keys) {
      const here = k.inSecureStorage
        ? k.verifies
          ? 'here, verifies'
          : 'here, DOES NOT VERIFY'
        : 'not on this computer';
      out.line(
        `  ${k.keyId.padEnd(22)} ${k.part.padEnd(18)} ${here}; last key backup ${k.lastBackupAt ?? 'never'}`,
      );
    }
  });
  for (const w of r.warnings) out.warn(w);
}
