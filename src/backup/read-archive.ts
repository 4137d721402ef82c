/**
 * Reads an archive (docs/FORMAT.md §2.5) as a sequence of events: the header,
 * each slice (still compressed), the manifest. Enforces the reader rules in
 * order: age identity, header first with format and version, expected group,
 * exact entry names in plan order with bounded sizes (checked before a body
 * is read), manifest last, nothing after it. Every failure is an SmgrError
 * naming the file (and the entry or table where there is one). It reads;
 * it never writes anything, and never uses an entry name as a path.
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';
import { AgeFormatError, createAgeDecryptStream } from './age-stream.js';
import {
  type ArchiveAuthKey,
  type ArchiveKek,
  ageHeaderDigest,
  archiveAuthKey,
  headerMac,
  macMatches,
  manifestMac,
} from './archive-auth.js';
import {
  type ArchiveHeader,
  type ArchiveManifest,
  type ArchivePart,
  archivePart,
  checkHeader,
  checkManifest,
  HEADER_ENTRY,
  HEADER_MAC_ENTRY,
  isNamedEntry,
  MANIFEST_ENTRY,
  MANIFEST_MAC_ENTRY,
  MAX_JSON_ENTRY,
  MAX_MAC_ENTRY,
  MAX_NAMED_ENTRY,
  MAX_SLICE_COMPRESSED,
  parseSliceEntryName,
} from './archive-format.js';

export type ArchiveEvent =
  | { kind: 'header'; header: ArchiveHeader; authenticated: boolean }
  | { kind: 'slice'; database: string; table: string; seq: number; compressed: Buffer }
  | { kind: 'entry'; name: string; data: Buffer }
  | { kind: 'manifest'; manifest: ArchiveManifest };

export interface ReadArchiveOptions {
  identities: string[];
  /** Refuse an archive of another group (ARCHIVE_OTHER_GROUP). */
  expectedGroup?: { id: string; name: string };
  /** The management group KEKs that may authenticate a version 2 archive (secure storage, a key backup file). */
  keks?: ArchiveKek[];
  /** Restore a version 1 archive, which cannot be authenticated (verify reads one regardless, with a warning). */
  allowUnauthenticated?: boolean;
  /** Opens the archive's bytes when they are not the local file `file` (an S3 object, s3-archive-stream.ts). */
  open?: () => Promise<NodeJS.ReadableStream & { destroy(): void }>;
}

export async function* readArchive(file: string, o: ReadArchiveOptions): AsyncIterable<ArchiveEvent> {
  let source: NodeJS.ReadableStream & { destroy(): void };
  try {
    if (o.open) source = await o.open();
    else {
      fs.accessSync(file, fs.constants.R_OK);
      source = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
    }
  } catch (e) {
    if (isSmgrError(e)) throw e;
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
  const extract = tar.extract();
  let ageHeader = '';
  const decrypt = createAgeDecryptStream(o.identities, {
    onHeader: (bytes) => {
      ageHeader = ageHeaderDigest(bytes);
    },
  });
  const done = pipeline(source, decrypt, extract);
  let failure: unknown;
  done.catch((e) => {
    failure = e;
  });
  const order = new PlanCursor(file);
  const auth = new Authenticator(file, o);
  try {
    for await (const entry of extract) {
      const { name, size, type } = entry.header;
      if (type !== 'file' || size === undefined) throw malformed(file, `entry ${name} is not a regular file`);
      if (order.finished) throw malformed(file, `entry ${name} follows the manifest`);
      if (!order.header) {
        if (name !== HEADER_ENTRY) throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
        const bytes = await body(entry, size, MAX_JSON_ENTRY, file, name);
        const header = checkHeader(parseJson(bytes, file, name), file);
        if (o.expectedGroup && header.managementGroup.id !== o.expectedGroup.id) {
          throw new SmgrError('ARCHIVE_OTHER_GROUP', {
            path: file,
            found: header.managementGroup.name,
            expected: o.expectedGroup.name,
          });
        }
        order.header = header;
        auth.header(header, bytes, ageHeader);
        if (header.version === 1) yield { kind: 'header', header, authenticated: false };
      } else if (auth.awaitingHeaderMac) {
        if (name !== HEADER_MAC_ENTRY)
          throw auth.failed(`its header is not followed by its MAC (${HEADER_MAC_ENTRY})`);
        auth.headerMac(await body(entry, size, MAX_MAC_ENTRY, file, name));
        yield { kind: 'header', header: order.header, authenticated: true };
      } else if (order.manifest) {
        if (name !== MANIFEST_MAC_ENTRY)
          throw auth.failed(`its manifest is not followed by its MAC (${MANIFEST_MAC_ENTRY})`);
        auth.manifestMac(await body(entry, size, MAX_MAC_ENTRY, file, name), order.manifest);
        order.finished = true;
        yield { kind: 'manifest', manifest: order.manifest.manifest };
      } else if (name === MANIFEST_ENTRY) {
        const bytes = await body(entry, size, MAX_JSON_ENTRY, file, name);
        const manifest = checkManifest(parseJson(bytes, file, name), order.header, file);
        if (order.header.version === 1) {
          order.finished = true;
          yield { kind: 'manifest', manifest };
        } else order.manifest = { manifest, bytes };
      } else if (order.header.version >= 2 && isNamedEntry(name)) {
        order.namedEntries = true;
        yield { kind: 'entry', name, data: await body(entry, size, MAX_NAMED_ENTRY, file, name) };
      } else {
        const slice = parseSliceEntryName(name);
        if (!slice) throw malformed(file, `unexpected entry ${JSON.stringify(name.slice(0, 200))}`);
        if (order.namedEntries) throw malformed(file, `slice ${name} follows the named entries`);
        order.advance(slice.database, slice.table, slice.seq, name);
        yield {
          kind: 'slice',
          ...slice,
          compressed: await body(entry, size, MAX_SLICE_COMPRESSED, file, name),
        };
      }
    }
    await done;
  } catch (e) {
    // Our own refusal wins; otherwise the stream's first failure (age, tar) says what went wrong.
    const streamFailure = failure;
    source.destroy();
    extract.destroy();
    await done.catch(() => {});
    throw translate(isSmgrError(e) ? e : (streamFailure ?? e), file);
  } finally {
    // A reader that stops early (readArchivePart) leaves the streams to be closed here.
    source.destroy();
    extract.destroy();
  }
  if (failure) throw translate(failure, file);
  if (!order.header) throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
  if (!order.finished) {
    const what = order.manifest ? "the manifest's MAC is missing" : 'the manifest is missing';
    throw new SmgrError('ARCHIVE_TRUNCATED', { path: file, reason: what });
  }
}

/**
 * Version 2's checks (§2.5 rule 2a): the key the header names is at hand,
 * the header names the age header it came in, and each MAC verifies.
 */
class Authenticator {
  awaitingHeaderMac = false;
  private key?: ArchiveAuthKey;
  private headerBytes?: Buffer;
  private headerMacHex = '';

  constructor(
    private readonly file: string,
    private readonly o: ReadArchiveOptions,
  ) {}

  failed(reason: string): SmgrError {
    return new SmgrError('ARCHIVE_AUTHENTICATION_FAILED', { path: this.file, reason });
  }

  header(h: ArchiveHeader, bytes: Buffer, ageHeader: string): void {
    if (!h.authentication) return;
    const { keyId } = h.authentication;
    const kek = this.o.keks?.find((k) => k.keyId === keyId);
    if (!kek)
      throw new SmgrError('ARCHIVE_KEY_MISSING', { path: this.file, keyId, group: h.managementGroup.name });
    this.key = archiveAuthKey(kek);
    if (h.authentication.ageHeader !== ageHeader)
      throw this.failed('its header names another age header than its own');
    this.headerBytes = bytes;
    this.awaitingHeaderMac = true;
  }

  headerMac(found: Buffer): void {
    this.headerMacHex = headerMac(this.key!, this.headerBytes!);
    if (!macMatches(this.headerMacHex, found.toString('latin1'))) {
      throw this.failed(
        "its header's MAC does not verify: it was not written by a server of the group, or was altered",
      );
    }
    this.awaitingHeaderMac = false;
  }

  manifestMac(found: Buffer, m: { manifest: ArchiveManifest; bytes: Buffer }): void {
    if (!macMatches(manifestMac(this.key!, m.bytes), found.toString('latin1'))) {
      throw this.failed(
        "its manifest's MAC does not verify: it was not written by a server of the group, or was altered",
      );
    }
    if (!macMatches(this.headerMacHex, m.manifest.headerMac ?? '')) {
      throw this.failed('its manifest belongs to another header');
    }
  }
}

/** Where in the header's plan the reader is: slices must come in plan order, seq 0, 1, 2… */
class PlanCursor {
  header?: ArchiveHeader;
  /** Version 2: the manifest read, waiting for its MAC. */
  manifest?: { manifest: ArchiveManifest; bytes: Buffer };
  /** Nothing but the end may follow. */
  finished = false;
  /** A named entry was read: no slice may follow. */
  namedEntries = false;
  private db = 0;
  private table = 0;
  private nextSeq = 0;

  constructor(private readonly file: string) {}

  advance(database: string, table: string, seq: number, name: string): void {
    const plan = this.header!.databases;
    for (;;) {
      const d = plan[this.db];
      if (!d) throw malformed(this.file, `entry ${name} is not in the archive's plan, or out of order`);
      const t = d.tables[this.table];
      if (t && d.name === database && t.name === table) {
        if (seq !== this.nextSeq) throw malformed(this.file, `entry ${name} is out of sequence`);
        this.nextSeq++;
        return;
      }
      // Move to the next table of the plan (a table with no rows has no slices).
      this.nextSeq = 0;
      if (t) this.table++;
      else {
        this.db++;
        this.table = 0;
      }
    }
  }
}

async function body(
  entry: AsyncIterable<unknown>,
  size: number,
  limit: number,
  file: string,
  name: string,
): Promise<Buffer> {
  if (size > limit)
    throw malformed(file, `entry ${name} declares ${size} bytes, more than the ${limit} allowed`);
  const parts: Buffer[] = [];
  for await (const chunk of entry) parts.push(chunk as Buffer);
  return Buffer.concat(parts, size);
}

function parseJson(data: Buffer, file: string, name: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    throw malformed(file, `${name} is not JSON`);
  }
}

function malformed(file: string, reason: string): SmgrError {
  return new SmgrError('ARCHIVE_MALFORMED', { path: file, reason });
}

/** age and tar failures in the registry's words. */
function translate(e: unknown, file: string): unknown {
  if (isSmgrError(e)) return e;
  if (e instanceof AgeFormatError) {
    switch (e.kind) {
      case 'not-age':
        return new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
      case 'no-identity':
        return new SmgrError('ARCHIVE_WRONG_IDENTITY', { path: file });
      case 'truncated':
        return new SmgrError('ARCHIVE_TRUNCATED', { path: file, reason: 'the encrypted stream ends early' });
      default:
        return new SmgrError('ARCHIVE_DAMAGED', {
          path: file,
          reason: `the encrypted ${e.kind} does not authenticate`,
        });
    }
  }
  const message = (e as Error)?.message ?? String(e);
  if (/tar|header|Unexpected end|size mismatch/i.test(message)) {
    return malformed(file, `the tar stream is invalid (${message.slice(0, 120)})`);
  }
  return e;
}

/** FORMAT §2.12: the part an archive holds, from its header (authenticated in versions 2 and 3); reads no rows. */
export async function readArchivePart(file: string, o: ReadArchiveOptions): Promise<ArchivePart> {
  for await (const e of readArchive(file, { ...o, expectedGroup: undefined })) {
    if (e.kind === 'header') return archivePart(e.header);
  }
  throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
}
