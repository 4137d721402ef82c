/**
 * ARCHITECTURE §2: the CLI runs an operation (src/operations) through the
 * server running from this home (admin channel) when there is one, and
 * otherwise opens the installation itself and runs the same definition. One
 * path for both engines; the input is checked against the operation's schema
 * before either.
 */
import type { Static, TSchema } from 'typebox';
import { callAdmin } from '../admin/admin-client.js';
import type { ProgressEvent } from '../backup/progress.js';
import { checkInput, type Operation } from '../operations/operation.js';
import { openInstallation } from '../parts/installation.js';
import type { CliContext } from './cli-context.js';
import { progressRenderer } from './progress-bar.js';

export async function runOperation<S extends TSchema, R>(
  ctx: CliContext,
  op: Operation<S, R>,
  input: Static<S>,
  options: { progress?: boolean } = {},
): Promise<R> {
  const checked = checkInput(op, input);
  const bar = options.progress ? progressRenderer(ctx.out) : undefined;
  try {
    const viaServer = await callAdmin<R>(ctx.home, op.name, checked, (e) => bar?.report(e as ProgressEvent));
    if (viaServer !== undefined) return viaServer;
    const inst = await openInstallation(ctx.home, ctx.computerNameFlag);
    try {
      return await op.run(inst, checked, bar ?? { report: () => {} });
    } finally {
      await inst.close();
    }
  } finally {
    bar?.end();
  }
}
