/**
 * smgr user add / password / list: the users of the management group
 * (src/operations/user-*.ts), through the server running from this home or
 * on the database directly. Passwords come from --password-file or a hidden
 * prompt (asked twice), never from argv.
 */
import type { Command } from 'commander';
import { ROLE_NAMES } from '../../management-server/roles.js';
import { userAddOperation } from '../../operations/user-add.js';
import { userListOperation } from '../../operations/user-list.js';
import { userPasswordOperation } from '../../operations/user-password.js';
import { contextOf } from '../cli-context.js';
import { getPassword } from '../passwords.js';
import { runOperation } from '../run-operation.js';

interface AddFlags {
  role: string;
  passwordFile?: string;
  displayName?: string;
}

const newPassword = (file: string | undefined, username: string) =>
  getPassword({
    file,
    flag: '--password-file',
    prompt: `New password for ${username} (at least 8 characters)`,
    confirm: true,
  });

export function registerUser(program: Command): void {
  const user = program.command('user').description('the users of the management group and their roles');
  user
    .command('add')
    .description('create a user who signs in to the API (and the portal)')
    .argument('<name>', 'user name: 1-64 letters, digits, . _ @ -')
    .requiredOption('--role <role>', `what the user may do: ${ROLE_NAMES.join(', ')}`)
    .option('--password-file <file>', 'file holding the password (else asked twice at a hidden prompt)')
    .option('--display-name <text>', 'the name people read')
    .action(async (username: string, flags: AddFlags, cmd: Command) => {
      const ctx = contextOf(cmd);
      const password = await newPassword(flags.passwordFile, username);
      const r = await runOperation(ctx, userAddOperation, {
        username,
        role: flags.role as (typeof ROLE_NAMES)[number],
        password,
        ...(flags.displayName ? { displayName: flags.displayName } : {}),
      });
      ctx.out.result(r, (u) => ctx.out.line(`User ${u.username} created, role ${u.role}.`));
    });

  user
    .command('password')
    .description("set a user's password and sign them out everywhere (revokes their tokens)")
    .argument('<name>', 'user name')
    .option('--password-file <file>', 'file holding the new password (else asked twice at a hidden prompt)')
    .action(async (username: string, flags: { passwordFile?: string }, cmd: Command) => {
      const ctx = contextOf(cmd);
      const password = await newPassword(flags.passwordFile, username);
      const r = await runOperation(ctx, userPasswordOperation, { username, password });
      ctx.out.result(r, ({ user: u, revokedTokens }) =>
        ctx.out.line(`Password of ${u.username} changed; ${revokedTokens} token(s) revoked.`),
      );
    });

  user
    .command('list')
    .description('the users, by name, with their roles')
    .action(async (_flags: object, cmd: Command) => {
      const ctx = contextOf(cmd);
      const r = await runOperation(ctx, userListOperation, {});
      ctx.out.result(r, ({ users }) => {
        const width = Math.max(4, ...users.map((u) => u.username.length));
        ctx.out.line(`${'USER'.padEnd(width)}  ROLE           STATE`);
        for (const u of users) {
          ctx.out.line(
            `${u.username.padEnd(width)}  ${u.role.padEnd(13)}  ${u.disabled ? 'disabled' : 'enabled'}`,
          );
        }
      });
    });
}
