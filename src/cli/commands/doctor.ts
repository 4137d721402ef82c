/** smgr doctor: verification after a recovery; exit 0 only when no check fails. */
import type { Command } from 'commander';
import { type DoctorReport, runDoctor } from '../../recovery/doctor.js';
import { contextOf } from '../cli-context.js';
import { throughServer } from '../through-server.js';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this computer after a recovery: registration, keys, every sealed value, key backups')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await throughServer<DoctorReport>(ctx.home, ctx.computerNameFlag, 'doctor', {}, (inst) =>
        runDoctor(inst.db, inst.config, inst.storage),
      );
      if (ctx.out.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      } else {
        ctx.out.line(`smgr doctor — ${r.computerName} in management group "${r.managementGroup.name}"`);
        for (const c of r.checks) {
          ctx.out.line(`${MARK[c.state]}  ${c.name}: ${c.detail}`);
          if (c.remedy) ctx.out.line(`      remedy: ${c.remedy}`);
        }
        const failed = r.checks.filter((c) => c.state === 'fail').length;
        ctx.out.line(failed ? `${failed} check(s) failed.` : 'All checks passed.');
      }
      if (!r.ok) process.exitCode = 1;
    });
}
