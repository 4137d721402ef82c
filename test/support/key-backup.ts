/**
 * Helpers for the key backup and restore tests (src/keys/*.test.ts): sample
 * keys and content, a byte-for-byte snapshot of a directory, the fixtures of
 * test/fixtures/key-backup/, and the stock `age` command run through a
 * pseudo-terminal (it reads passphrases from the terminal only).
 */

import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { KeyBackupContent } from '../../src/keys/key-backup-file.js';
import { newKek, newKeyId } from '../../src/keys/key-hierarchy.js';
import type { KeyPart, StoredKey } from '../../src/secure-storage/secure-storage.js';
import { DEADLINE_MS } from './eventually.js';

/** The repository's test/fixtures/key-backup, from dist/test/support or test/support. */
export const FIXTURES = (() => {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return path.join(dir, 'test', 'fixtures', 'key-backup');
})();
export const FIXTURE_PASSPHRASE = 'fixture passphrase 1';

const PREFIX = { 'management-group': 'mg', 'data-warehouse': 'dw', portal: 'portal' } as const;

export function sampleGroup(name = 'Contoso SM'): { id: string; name: string } {
  return { id: randomUUID(), name };
}

export function storedKey(
  group: { id: string; name: string },
  part: KeyPart = 'management-group',
): StoredKey {
  return {
    keyId: newKeyId(PREFIX[part]),
    part,
    managementGroupId: group.id,
    managementGroupName: group.name,
    kek: newKek(),
    createdAt: new Date().toISOString(),
  };
}

export function sampleContent(parts: KeyPart[] = ['management-group']): KeyBackupContent {
  const group = sampleGroup();
  return {
    createdAt: new Date().toISOString(),
    computerName: 'sm01',
    managementGroup: group,
    keys: parts.map((part) => {
      const k = storedKey(group, part);
      return { keyId: k.keyId, part, kek: k.kek, createdAt: k.createdAt };
    }),
    backupIdentity: null,
  };
}

/** Every entry of `dir` (recursively): name, mode and content; the dir's own mode; or null if absent. */
export function snapshot(dir: string): string | null {
  if (!fs.existsSync(dir)) return null;
  const lines: string[] = [`. ${(fs.statSync(dir).mode & 0o7777).toString(8)}`];
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.statSync(p);
      const rel = path.relative(dir, p);
      if (st.isDirectory()) {
        lines.push(`${rel}/ ${(st.mode & 0o7777).toString(8)}`);
        walk(p);
      } else {
        lines.push(`${rel} ${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(p).toString('base64')}`);
      }
    }
  };
  walk(dir);
  return lines.join('\n');
}

export function ageAvailable(): boolean {
  return !spawnSync('age', ['--version'], { stdio: 'ignore' }).error;
}

/**
 * Runs `age ARGS` in a pseudo-terminal (util-linux `script`) with `input`
 * typed at it, e.g. the passphrase and a newline; returns its exit status and
 * output. `age` reads a passphrase only from the terminal, never from stdin.
 */
export function runAgeInPty(args: string[], input: string): { status: number | null; output: string } {
  const command = ['age', ...args].map(shellQuote).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], {
    input,
    encoding: 'utf8',
    timeout: DEADLINE_MS,
  });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A small deterministic PRNG (mulberry32), so a fuzz failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomSeed(): number {
  return randomBytes(4).readUInt32LE(0);
}
