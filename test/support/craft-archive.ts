/**
 * Builds archives by hand for the bad-archive tests (docs/FORMAT.md §2):
 * opens a real archive into its tar entries, and packs entries (changed,
 * added, dropped, or a raw tar header declaring any size) back into an age
 * file for the same recipient.
 */
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { createAgeDecryptStream, createAgeEncryptStream, recipientOf } from '../../src/backup/age-stream.js';
import {
  type ArchiveAuthKey,
  ageHeaderDigest,
  archiveAuthKey,
  headerMac,
  manifestMac,
} from '../../src/backup/archive-auth.js';
import { keksOfStorage } from '../../src/backup/archive-keys.js';
import type { ReadArchiveOptions } from '../../src/backup/read-archive.js';
import type { SecureStorage } from '../../src/secure-storage/secure-storage.js';
import { runThrough } from './age-streams.js';

export interface TarEntry {
  name: string;
  data: Buffer;
}

export async function openEntries(archive: Buffer, identity: string): Promise<TarEntry[]> {
  const plain = (await runThrough(createAgeDecryptStream([identity]), archive)).output;
  const extract = tar.extract();
  const entries: TarEntry[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const parts: Buffer[] = [];
      for await (const c of entry) parts.push(c as Buffer);
      entries.push({ name: entry.header.name, data: Buffer.concat(parts) });
    }
  })();
  Readable.from([plain]).pipe(extract as unknown as NodeJS.WritableStream);
  await reading;
  return entries;
}

/** A ustar header for `name` declaring `size` bytes, whatever follows it. */
export function rawTarHeader(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) => h.write(value, offset, length, 'ascii');
  field(name, 0, 100);
  field('0000600\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(`${size.toString(8).padStart(11, '0')}\0`, 124, 12);
  field('00000000000\0', 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

export function tarOf(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    blocks.push(
      rawTarHeader(e.name, e.data.length),
      e.data,
      Buffer.alloc((512 - (e.data.length % 512)) % 512),
    );
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export async function sealTar(tarBytes: Buffer, recipient: string): Promise<Buffer> {
  return (await runThrough(createAgeEncryptStream([recipient]), tarBytes)).output;
}

/**
 * Packs entries into an archive for `recipient`. With `auth` (the group's MAC
 * key), as the writer would: the header names the new age header, and the
 * header's and manifest's MACs are made again over the changed entries
 * (`keepManifest` leaves the manifest and its MAC as given). Without it, as
 * someone who has only the recipient would. `rawTail`: raw tar bytes in
 * place of the end blocks (e.g. a header declaring any size).
 */
export async function sealEntries(
  entries: TarEntry[],
  recipient: string,
  o: { auth?: ArchiveAuthKey; rawTail?: Buffer; keepManifest?: boolean } = {},
): Promise<Buffer> {
  const encrypt = createAgeEncryptStream([recipient]);
  const auth = o.auth;
  let headerMacHex = '';
  let manifestJson: Buffer | undefined;
  const sealed = entries.map((e) => {
    if (!auth) return e;
    if (e.name === 'smbak/header.json') {
      const h = JSON.parse(e.data.toString('utf8'));
      if (h.authentication) h.authentication.ageHeader = ageHeaderDigest(encrypt.ageHeader);
      const data = Buffer.from(JSON.stringify(h));
      headerMacHex = headerMac(auth, data);
      return { name: e.name, data };
    }
    if (e.name === 'smbak/header.mac') return { name: e.name, data: Buffer.from(headerMacHex) };
    if (o.keepManifest) return e;
    if (e.name === 'smbak/manifest.json') {
      const m = JSON.parse(e.data.toString('utf8'));
      if (m.headerMac !== undefined) m.headerMac = headerMacHex;
      manifestJson = Buffer.from(JSON.stringify(m));
      return { name: e.name, data: manifestJson };
    }
    if (e.name === 'smbak/manifest.mac' && manifestJson) {
      return { name: e.name, data: Buffer.from(manifestMac(auth, manifestJson)) };
    }
    return e;
  });
  const tarBytes = o.rawTail ? Buffer.concat([tarOf(sealed).subarray(0, -1024), o.rawTail]) : tarOf(sealed);
  return (await runThrough(encrypt, tarBytes)).output;
}

/** A real archive opened for crafting: its entries, and how to seal changed entries as the group's writer would. */
export interface ArchiveCrafter {
  entries: TarEntry[];
  recipient: string;
  /** The group's MAC key (from the KEK in secure storage). */
  auth: ArchiveAuthKey;
  /** Packs entries into a sealed, authenticated archive, as the writer would (raw tar bytes may end it). */
  seal(entries: TarEntry[], rawTail?: Buffer): Promise<Buffer>;
  /** What a reader of this group's archives is given: the identity and the KEKs of the storage. */
  readOptions(group: { id: string; name: string }): ReadArchiveOptions;
}

export async function openCrafter(
  archive: Buffer,
  identity: string,
  storage: SecureStorage,
  group: { id: string; name: string },
): Promise<ArchiveCrafter> {
  const entries = await openEntries(archive, identity);
  const recipient = await recipientOf(identity);
  const keks = keksOfStorage(storage);
  const kek = keks.find((k) => k.managementGroupId === group.id);
  if (!kek) throw new Error('no management group key of the group in the storage');
  const auth = archiveAuthKey(kek);
  return {
    entries,
    recipient,
    auth,
    seal: (changed, rawTail) => sealEntries(changed, recipient, { auth, rawTail }),
    readOptions: (g) => ({ identities: [identity], expectedGroup: g, keks }),
  };
}
