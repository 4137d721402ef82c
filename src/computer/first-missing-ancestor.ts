import fs from 'node:fs';
import path from 'node:path';

/**
 * The top-most directory on the way to `p` that does not exist yet: what a
 * command that creates `p` would create, and so what it removes when it
 * rolls back.
 */
export function firstMissingAncestor(p: string): string | undefined {
  let missing: string | undefined;
  for (let dir = p; !fs.existsSync(dir); dir = path.dirname(dir)) missing = dir;
  return missing;
}
