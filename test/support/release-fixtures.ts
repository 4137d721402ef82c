/**
 * The backup fixtures of earlier releases (test/fixtures/release-<version>/backup/,
 * made by scripts/make-release-fixtures.mjs): where they are, what they hold,
 * and a usable copy of a fixture home's secure storage.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SecureStorage } from '../../src/secure-storage/secure-storage.js';

const FIXTURES = path.resolve('test', 'fixtures');

export interface ReleaseFixture {
  dir: string;
  name: string;
  archive: string;
  keyFile: string;
  passphrase: string;
  passphraseFile: string;
  expected: {
    archive: string;
    managementGroup: { id: string; name: string };
    tables: Record<string, number>;
    workItems: Array<{ displayId: string; title: string }>;
    configItems: Array<{ class: string; name: string }>;
    runAsAccounts: Array<{ id: string; name: string; password: string }>;
  };
}

export function releaseFixtures(): ReleaseFixture[] {
  return fs
    .readdirSync(FIXTURES)
    .filter(
      (n) => n.startsWith('release-') && fs.existsSync(path.join(FIXTURES, n, 'backup', 'expected.json')),
    )
    .sort()
    .map((name) => {
      const dir = path.join(FIXTURES, name, 'backup');
      const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const passphraseFile = path.join(dir, 'passphrase.txt');
      return {
        dir,
        name,
        expected,
        archive: path.join(dir, expected.archive),
        keyFile: path.join(dir, 'key-backup.smkey'),
        passphrase: fs.readFileSync(passphraseFile, 'utf8').trimEnd(),
        passphraseFile,
      };
    });
}

/** A copy of a fixture home's secure storage with the modes git does not keep (0700/0600). */
export function copySecureStorage(release: ReleaseFixture, to: string): SecureStorage {
  fs.cpSync(path.join(release.dir, 'home', 'secure-storage'), to, { recursive: true });
  fs.chmodSync(to, 0o700);
  for (const n of fs.readdirSync(to)) fs.chmodSync(path.join(to, n), 0o600);
  return SecureStorage.open(to);
}
