/**
 * smgr setup <part>: one subcommand per part (src/parts/registry.ts), each
 * with the flags its part declares; parse, delegate to the part, print.
 */
import { type Command, Option } from 'commander';
import { resolveComputerName } from '../../computer/computer-name.js';
import { readConfig } from '../../config/config-file.js';
import type { PartSetup, SetupResult } from '../../parts/part.js';
import { partDefinitions } from '../../parts/registry.js';
import { contextOf } from '../cli-context.js';
import type { Output } from '../output.js';
import { getPassword } from '../passwords.js';

export function registerSetup(program: Command): void {
  const setup = program.command('setup').description('install a part of smgr on this computer');
  for (const part of partDefinitions) addSetupCommand(setup, part.name, part.setup);
}

function addSetupCommand(setup: Command, name: string, spec: PartSetup): void {
  const cmd = setup.command(name).description(spec.description);
  for (const f of spec.flags) {
    const o = new Option(f.flags, f.description);
    if (f.default !== undefined) o.default(f.default);
    if (f.conflicts) o.conflicts(f.conflicts);
    cmd.addOption(o);
  }
  cmd.action(async (flags: Record<string, string | boolean | undefined>, c: Command) => {
    const ctx = contextOf(c);
    const computerName = resolveComputerName(ctx.computerNameFlag, readConfig(ctx.home)?.computerName);
    const notice = (text: string) => {
      ctx.out.line(text);
      ctx.out.event({ type: 'notice', message: text });
    };
    const result = await spec.run({ home: ctx.home, computerName, password: getPassword, notice }, flags);
    printSetupResult(ctx.out, result);
  });
}

/** How setup's result is shown: the facts, then the next steps (back up the key first). */
export function printSetupResult(out: Output, r: SetupResult, options: { servingNext?: boolean } = {}): void {
  out.result(r, () => {
    out.line(`Management group "${r.managementGroup.name}" (${r.managementGroup.id})`);
    out.line(
      `Computer ${r.computerName}: ${r.part}, role ${r.role}${r.rebound ? ' (registration rebound)' : ''}`,
    );
    for (const d of r.databases) out.line(`Database ${d}`);
    out.line(`Encryption key ${r.keyId} is in secure storage; config written to ${r.configPath}`);
    out.line('');
    const [first, ...rest] = r.next;
    if (first) out.line(`Next: ${first}`);
    for (const step of rest) out.line(`  ${step}`);
    out.line(options.servingNext ? 'Starting the server now.' : 'Then start the server: smgr serve');
  });
}
