/** smgr doctor: verification after a recovery; exit 0 only when no check fails. */
import type { Command } from 'commander';
import { doctorOperation } from '../../operations/doctor.js';
import { contextOf } from '../cli-context.js';
import { runOperation } from '../run-operation.js';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this computer after a recovery: registration, keys, every sealed value, key backups')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, doctorOperation, {});
      ctx.out.result(r, () => {
        const groups = r.parts.map((p) => `${p.part} of "${p.managementGroup.name}"`).join(', ');
        ctx.out.line(`smgr doctor — ${r.computerName}: ${groups}`);
        for (const c of r.checks) {
          ctx.out.line(`${MARK[c.state]}  ${c.name}: ${c.detail}`);
          if (c.remedy) ctx.out.line(`      remedy: ${c.remedy}`);
        }
        const failed = r.checks.filter((c) => c.state === 'fail').length;
        ctx.out.line(failed ? `${failed} check(s) failed.` : 'All checks passed.');
      });
      if (!r.ok) process.exitCode = 1;
    });
}
