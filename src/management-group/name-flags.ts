/**
 * The flags of `smgr setup <part> --existing-database` for a computer name
 * whose registration still looks alive (require-name-free.ts), shared by the
 * parts that register a server under this computer's name. Here, not in
 * parts/, because parts/registry.ts imports those parts (a folder cycle).
 */
import type { SetupContext, SetupFlag } from '../parts/part.js';
import type { NameFreeOptions } from './require-name-free.js';

export const NAME_FLAGS: readonly SetupFlag[] = [
  {
    flags: '--force',
    description: 'with --existing-database: take over a registration that still looks alive',
  },
  {
    flags: '--wait',
    description:
      'with --existing-database: wait (up to a minute, saying how long) until a registration that still looks alive counts as gone',
    conflicts: 'force',
  },
];

/** What the flags ask of requireNameFree, told through the setup's notices. */
export function nameFreeOptions(
  ctx: SetupContext,
  flags: Record<string, string | boolean | undefined>,
): NameFreeOptions {
  return { force: Boolean(flags.force), wait: Boolean(flags.wait), onWait: ctx.notice };
}
