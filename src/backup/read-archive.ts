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
  type ArchiveHeader,
  type ArchiveManifest,
  checkHeader,
  checkManifest,
  HEADER_ENTRY,
  MANIFEST_ENTRY,
  MAX_JSON_ENTRY,
  MAX_SLICE_COMPRESSED,
  parseSliceEntryName,
} from './archive-format.js';

export type ArchiveEvent =
  | { kind: 'header'; header: ArchiveHeader }
  | { kind: 'slice'; database: string; table: string; seq: number; compressed: Buffer }
  | { kind: 'manifest'; manifest: ArchiveManifest };

export interface ReadArchiveOptions {
  identities: string[];
  /** Refuse an archive of another group (ARCHIVE_OTHER_GROUP). */
  expectedGroup?: { id: string; name: string };
}

export async function* readArchive(file: string, o: ReadArchiveOptions): AsyncIterable<ArchiveEvent> {
  let source: fs.ReadStream;
  try {
    fs.accessSync(file, fs.constants.R_OK);
    source = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
  } catch (e) {
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
  const extract = tar.extract();
  const done = pipeline(source, createAgeDecryptStream(o.identities), extract);
  let failure: unknown;
  done.catch((e) => {
    failure = e;
  });
  const order = new PlanCursor(file);
  try {
    for await (const entry of extract) {
      const { name, size, type } = entry.header;
      if (type !== 'file' || size === undefined) throw malformed(file, `entry ${name} is not a regular file`);
      if (!order.header) {
        if (name !== HEADER_ENTRY) throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
        const header = checkHeader(
          parseJson(await body(entry, size, MAX_JSON_ENTRY, file, name), file, name),
          file,
        );
        if (o.expectedGroup && header.managementGroup.id !== o.expectedGroup.id) {
          throw new SmgrError('ARCHIVE_OTHER_GROUP', {
            path: file,
            found: header.managementGroup.name,
            expected: o.expectedGroup.name,
          });
        }
        order.header = header;
        yield { kind: 'header', header };
      } else if (order.manifest) {
        throw malformed(file, `entry ${name} follows the manifest`);
      } else if (name === MANIFEST_ENTRY) {
        const manifest = checkManifest(
          parseJson(await body(entry, size, MAX_JSON_ENTRY, file, name), file, name),
          order.header,
          file,
        );
        order.manifest = true;
        yield { kind: 'manifest', manifest };
      } else {
        const slice = parseSliceEntryName(name);
        if (!slice) throw malformed(file, `unexpected entry ${JSON.stringify(name.slice(0, 200))}`);
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
  }
  if (failure) throw translate(failure, file);
  if (!order.header) throw new SmgrError('ARCHIVE_NOT_AN_ARCHIVE', { path: file });
  if (!order.manifest)
    throw new SmgrError('ARCHIVE_TRUNCATED', { path: file, reason: 'the manifest is missing' });
}

/** Where in the header's plan the reader is: slices must come in plan order, seq 0, 1, 2… */
class PlanCursor {
  header?: ArchiveHeader;
  manifest = false;
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
