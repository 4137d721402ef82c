/** smgr's own version, from package.json (recorded in archives and shown by --version). */
import { createRequire } from 'node:module';

export const SMGR_VERSION: string = (
  createRequire(import.meta.url)('../../package.json') as { version: string }
).version;
