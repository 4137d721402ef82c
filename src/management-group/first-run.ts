/**
 * The first run of `smgr start` (what `npm start` runs): on a home with
 * nothing installed, set up an embedded management group with administrator
 * `admin` and a generated password, saved 0600 in <home>/admin-password. On an
 * installed home it does nothing and answers undefined.
 *
 * Guarantees: the password file is written (atomically) before the group
 * exists, so a group never exists without its saved password; if setup fails,
 * the password file is removed, and so is the home directory if this run
 * created it (a password file an earlier failed first run left is replaced,
 * then removed). A crash during setup leaves what
 * setupNewDatabase's own header says, plus at worst a password file of a group
 * that was never created: the next first run overwrites it.
 * It reports each step through `progress` and prints nothing itself.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { HomePaths } from '../computer/home.js';
import { readConfig } from '../config/config-file.js';
import { writeFileAtomic } from '../files/atomic-write.js';
import { type SetupResult, setupNewDatabase } from './setup-new-database.js';

export const FIRST_RUN_ADMIN = 'admin';

export interface FirstRunProgress {
  /** One line saying what is about to happen. */
  step(text: string): void;
}

export interface FirstRunOptions {
  home: HomePaths;
  computerName: string;
  groupName: string;
  listen?: string;
  progress: FirstRunProgress;
}

export interface FirstRunResult {
  setup: SetupResult;
  adminUser: string;
  adminPassword: string;
  adminPasswordFile: string;
  durationMs: number;
}

/** Where the first run saves the administrator's password. */
export function adminPasswordFile(home: HomePaths): string {
  return path.join(home.root, 'admin-password');
}

export async function firstRun(o: FirstRunOptions): Promise<FirstRunResult | undefined> {
  if (readConfig(o.home)) return undefined;
  const started = Date.now();
  o.progress.step(`First run: nothing is installed in ${o.home.root} yet.`);
  o.progress.step(`Setting up management group "${o.groupName}" on an embedded database:`);
  o.progress.step(
    "  the database (PGlite's first-time set-up: the slow part), its schema, the encryption key, the administrator ...",
  );
  const createdHome = !fs.existsSync(o.home.root);
  fs.mkdirSync(o.home.root, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  const passwordFile = adminPasswordFile(o.home);
  writeFileAtomic(passwordFile, `${password}\n`, { mode: 0o600 });
  let setup: SetupResult;
  try {
    setup = await setupNewDatabase({
      home: o.home,
      computerName: o.computerName,
      groupName: o.groupName,
      adminUser: FIRST_RUN_ADMIN,
      adminPassword: password,
      listen: o.listen,
    });
  } catch (e) {
    fs.rmSync(createdHome ? o.home.root : passwordFile, { recursive: true, force: true });
    throw e;
  }
  return {
    setup,
    adminUser: FIRST_RUN_ADMIN,
    adminPassword: password,
    adminPasswordFile: passwordFile,
    durationMs: Date.now() - started,
  };
}
