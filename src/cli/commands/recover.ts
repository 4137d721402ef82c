/**
 * smgr recover: parse, ask for what is missing (on a terminal), delegate to
 * src/recovery/recover.ts, print the plan, the preflight checks, progress
 * and the result (or, with --json, one JSON line each: plan, preflight,
 * progress events, the result last).
 */
import readline from 'node:readline/promises';
import { type Command, Option } from 'commander';
import { preferThroughputGc } from '../../backup/throughput-gc.js';
import { SmgrError } from '../../errors/smgr-error.js';
import { type PlanView, prepareRecovery, type RecoveryResult } from '../../recovery/recover.js';
import type { PreflightCheck } from '../../recovery/recovery-plan.js';
import { contextOf } from '../cli-context.js';
import type { Output } from '../output.js';
import { getPassword } from '../passwords.js';
import { progressRenderer } from '../progress-bar.js';
import { s3SettingsOf } from './s3-settings-of.js';

interface RecoverFlags {
  keyFile?: string;
  passwordFile?: string;
  from?: string;
  database?: string;
  stagingDatabase?: string;
  repositoryDatabase?: string;
  datamartDatabase?: string;
  listen?: string;
  managementServer?: string;
  force?: boolean;
  wait?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export function registerRecover(program: Command): void {
  program
    .command('recover')
    .description(
      'recover the parts of this computer in one command: key restore, database restore (--from), setup with the existing database, doctor (docs/RECOVERY.md)',
    )
    .option('--key-file <file>', 'the key backup file (asked for on a terminal when left out)')
    .option('--password-file <file>', 'file holding its passphrase (else asked at a hidden prompt)')
    .option(
      '--from <archive>',
      'restore the databases from this .smbak archive, or s3://BUCKET/PREFIX/NAME.smbak streamed from a bucket (else they must be intact)',
    )
    .option('--database <url>', 'the ServiceManager database (default: embedded in the home)')
    .option('--staging-database <url>', "the DW's DWStagingAndConfig (default: embedded in the home)")
    .option('--repository-database <url>', "the DW's DWRepository, restored from --from (default: embedded)")
    .option('--datamart-database <url>', "the DW's DWDataMart, restored from --from (default: embedded)")
    .option('--listen <host:port>', 'address the API will listen on (default 127.0.0.1:8420)')
    .option(
      '--management-server <url>',
      "a portal's: the management server's API it calls (http://HOST:PORT); with --database of the ServiceManager database",
    )
    .option('--force', 'take over a computer name that still heartbeats')
    .addOption(
      new Option(
        '--wait',
        'wait (up to a minute, saying how long) until a computer name that still heartbeated counts as gone',
      ).conflicts('force'),
    )
    .option('--yes', 'run without asking for confirmation')
    .option('--dry-run', 'print the plan and the preflight checks; write nothing')
    .action(async (flags: RecoverFlags, cmd: Command) => {
      preferThroughputGc(flags.database);
      const ctx = contextOf(cmd);
      const keyFile = flags.keyFile ?? (await askLine('Key backup file: '));
      const passphrase = await getPassword({
        file: flags.passwordFile,
        flag: '--password-file',
        prompt: 'Passphrase of the key backup',
      });
      const prepared = await prepareRecovery({
        home: ctx.home,
        computerNameFlag: ctx.computerNameFlag,
        keyFile,
        passphrase,
        from: flags.from,
        databaseUrl: flags.database,
        dwDatabases: {
          staging: flags.stagingDatabase,
          repository: flags.repositoryDatabase,
          datamart: flags.datamartDatabase,
        },
        listen: flags.listen,
        managementServer: flags.managementServer,
        force: flags.force,
        wait: flags.wait,
        s3: s3SettingsOf(ctx.home), // s3-recover: else SMGR_S3_ENDPOINT; credentials from the SDK's chain
      });
      printPlan(ctx.out, prepared.plan);
      const bar = progressRenderer(ctx.out);
      let checks: PreflightCheck[];
      try {
        checks = await prepared.preflight(bar);
      } finally {
        bar.end();
      }
      printChecks(ctx.out, checks);
      const failed = checks.find((c) => !c.ok);
      if (failed?.error) throw failed.error;
      if (flags.dryRun) {
        ctx.out.result({ dryRun: true, plan: prepared.plan, preflight: checksJson(checks) }, () =>
          ctx.out.line('Dry run: every preflight check passed; nothing was written.'),
        );
        return;
      }
      if (!flags.yes) await confirm();
      const run = progressRenderer(ctx.out);
      let result: RecoveryResult;
      try {
        result = await prepared.execute(run);
      } finally {
        run.end();
      }
      printResult(ctx.out, result);
      if (!result.doctor.ok) process.exitCode = 1;
    });
}

async function askLine(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new SmgrError('USAGE', { detail: 'recover needs --key-file FILE' });
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question(question)).trim();
    if (!answer) throw new SmgrError('USAGE', { detail: 'recover needs a key backup file' });
    return answer;
  } finally {
    rl.close();
  }
}

async function confirm(): Promise<void> {
  if (!process.stdin.isTTY)
    throw new SmgrError('RECOVER_NOT_CONFIRMED', { reason: 'no terminal to ask, and no --yes' });
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question('Run this recovery now? [y/N] ')).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes')
      throw new SmgrError('RECOVER_NOT_CONFIRMED', { reason: 'answered no' });
  } finally {
    rl.close();
  }
}

const checksJson = (checks: PreflightCheck[]) =>
  checks.map((c) => ({
    name: c.name,
    ok: c.ok,
    detail: c.detail,
    ...(c.error ? { error: c.error.code } : {}),
  }));

function printPlan(out: Output, plan: PlanView): void {
  out.event({ type: 'plan', ...plan });
  out.line(
    `Recovery of ${plan.computerName} (management group "${plan.managementGroup.name}")${plan.resumed ? `, resuming the interrupted run of ${plan.journal}` : ''}`,
  );
  for (const [i, s] of plan.steps.entries()) {
    const mark = s.state === 'done' ? ' [done]' : s.state === 'again' ? ' [interrupted: runs again]' : '';
    out.line(`${i + 1}. ${s.id}: ${s.title}${mark}`);
    for (const r of s.reads) out.line(`     reads:  ${r}`);
    for (const w of s.writes) out.line(`     writes: ${w}`);
  }
}

function printChecks(out: Output, checks: PreflightCheck[]): void {
  out.event({ type: 'preflight', ok: checks.every((c) => c.ok), checks: checksJson(checks) });
  out.line('Preflight (nothing is written before every check passes):');
  for (const c of checks) out.line(`${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
}

function printResult(out: Output, r: RecoveryResult): void {
  // With --json the result line's ok is doctor's verdict, as the exit code is.
  out.result({ ...r, ok: r.doctor.ok }, () => {
    for (const s of r.steps) out.line(`${s.skipped ? 'SKIP' : 'DONE'}  ${s.id}: ${s.outcome}`);
    for (const c of r.doctor.checks.filter((x) => x.state !== 'pass')) {
      out.line(`${c.state.toUpperCase()}  ${c.name}: ${c.detail}`);
      if (c.remedy) out.line(`      remedy: ${c.remedy}`);
    }
    out.line(
      r.doctor.ok
        ? `Recovered ${r.computerName} in ${(r.durationMs / 1000).toFixed(1)} s. Next: smgr serve, then a new key backup (smgr key backup) and a new database backup.`
        : 'The steps ran, but doctor found failures (above): fix them before smgr serve.',
    );
  });
}
