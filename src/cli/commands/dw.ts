/**
 * smgr dw register / unregister / run extract: the data warehouse's
 * registration with a Service Manager management group and its jobs on
 * demand (src/operations/dw.ts), through the server running from this home
 * or directly. The administrator's password comes from --admin-password-file
 * or a hidden prompt, never from argv.
 */
import type { Command } from 'commander';
import {
  dwRegisterOperation,
  dwRunExtractOperation,
  dwRunJobOperation,
  dwUnregisterOperation,
} from '../../operations/dw.js';
import { contextOf } from '../cli-context.js';
import { getPassword } from '../passwords.js';
import { runOperation } from '../run-operation.js';

const adminPassword = (file: string | undefined, user: string) =>
  getPassword({
    file,
    flag: '--admin-password-file',
    prompt: `Password of ${user} (Service Manager administrator)`,
  });

export function registerDw(program: Command): void {
  const dw = program.command('dw').description('the data warehouse server: registration and jobs');
  dw.command('register')
    .description('register this data warehouse with a Service Manager management group')
    .requiredOption('--management-server <url>', 'the management server, e.g. http://ms01:8420')
    .requiredOption('--admin-user <name>', 'an administrator of that management group')
    .option('--admin-password-file <file>', 'file holding that password (else asked at a hidden prompt)')
    .action(
      async (
        flags: { managementServer: string; adminUser: string; adminPasswordFile?: string },
        cmd: Command,
      ) => {
        const ctx = contextOf(cmd);
        const password = await adminPassword(flags.adminPasswordFile, flags.adminUser);
        const r = await runOperation(ctx, dwRegisterOperation, {
          managementServer: flags.managementServer,
          adminUser: flags.adminUser,
          adminPassword: password,
        });
        ctx.out.result(r, () => {
          ctx.out.line(
            `Data warehouse "${r.dataWarehouse.name}" registered with management group "${r.managementGroup.name}" (${r.url}).`,
          );
          ctx.out.line(
            `Service account ${r.serviceUser}; key ${r.keyId} recorded in ServiceManager; computer ${r.computerName}.`,
          );
        });
      },
    );
  dw.command('unregister')
    .description('remove this data warehouse from its management group (the DW keeps its data)')
    .requiredOption('--admin-user <name>', 'an administrator of the management group')
    .option('--admin-password-file <file>', 'file holding that password (else asked at a hidden prompt)')
    .action(async (flags: { adminUser: string; adminPasswordFile?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const password = await adminPassword(flags.adminPasswordFile, flags.adminUser);
      const r = await runOperation(ctx, dwUnregisterOperation, {
        adminUser: flags.adminUser,
        adminPassword: password,
      });
      ctx.out.result(r, () =>
        ctx.out.line(`Unregistered from management group "${r.managementGroup.name}" (${r.url}).`),
      );
    });
  const run = dw.command('run').description('run a data warehouse job now');
  run
    .command('extract')
    .description("pull the management server's changes since the watermark into the staging tables")
    .action(async (_flags: object, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, dwRunExtractOperation, {}, { progress: true });
      ctx.out.result(r, () =>
        ctx.out.line(
          `Extract run ${r.runId}: ${r.rows} changes in ${r.batches} batches; watermark ${r.watermark ?? 'none'}.`,
        ),
      );
    });
  // --- dw-etl (issue 11): the other jobs, and all of them in order
  const jobs: Array<[string, string]> = [
    ['mpsync', "sync the management server's lists and sealed packs' classes into the data warehouse"],
    ['transform', 'turn the staged changes into versions with validity intervals (DWRepository)'],
    ['load', 'fill the data mart (dimensions and facts) from the versions'],
    ['maintenance', 'remove the data mart facts older than the retention period'],
    ['all', 'run mpsync, extract, transform, load and maintenance, in that order'],
  ];
  for (const [name, description] of jobs) {
    run
      .command(name)
      .description(description)
      .action(async (_flags: object, cmd: Command) => {
        const ctx = contextOf(cmd);
        const r = await runOperation(ctx, dwRunJobOperation, { job: name }, { progress: true });
        ctx.out.result(r, () => {
          for (const x of r.runs)
            ctx.out.line(
              `${x.job} run ${x.runId}: ${x.rows} rows in ${x.batches} batches; watermark ${x.watermark ?? 'none'}.`,
            );
        });
      });
  }
  // --- end dw-etl
}
