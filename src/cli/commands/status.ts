/**
 * smgr status: asks the running server, or opens the database itself when
 * none runs. Shows the servers with their heartbeats, the workflow lease
 * (holder, token, since, expiry) and a summary of the workflow history.
 */
import type { Command } from 'commander';
import { collectStatus, type StatusReport } from '../../management-group/status.js';
import { contextOf } from '../cli-context.js';
import type { Output } from '../output.js';
import { throughServer } from '../through-server.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('show the management group, its computers and their liveness, and the key ids')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const report = await throughServer(ctx.home, ctx.computerNameFlag, 'status', {}, (inst) =>
        collectStatus(inst.db, inst.config, inst.storage),
      );
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
    const l = r.workflowLease;
    if (l) {
      const state = r.workflows?.leaseLive
        ? `live until ${l.expiresAt}`
        : `EXPIRED (${l.expiresAt ?? 'never claimed'}): no server runs workflows; start ${l.holder ?? 'a server'} or run smgr promote COMPUTER`;
      out.line(
        `Workflow lease:   ${l.holder ?? 'nobody'} (token ${l.token}) since ${l.since ?? 'never'}, ${state}`,
      );
    }
    if (r.workflows?.history.length) {
      out.line('Workflows:');
      for (const w of r.workflows.history) {
        const last = w.last;
        out.line(
          `  ${w.workflow.padEnd(10)} ${String(w.runs).padStart(5)} runs (${w.failed} failed, ${w.interrupted} interrupted)` +
            (last
              ? `; last #${last.seq} on ${last.holder} (token ${last.token}) ${last.outcome ?? 'running'} at ${last.finishedAt ?? last.startedAt} ${JSON.stringify(last.counts)}`
              : ''),
        );
      }
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
