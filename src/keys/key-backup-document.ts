/**
 * The plaintext of a key backup file (docs/FORMAT.md §1.3), as one TypeBox
 * schema: the type is derived from it, and every reader and writer checks a
 * document against it through src/schema/check-schema.ts. Unknown members
 * are allowed (readers ignore them, §1.3); the first problem is named by its
 * member, in the words of FORMAT §1.4 step 6 (`keys[0].kek is not base64 of
 * 32 bytes`), never with the member's value.
 */
import { type Static, Type } from 'typebox';
import { normalizeComputerName } from '../computer/computer-name.js';
import { type SchemaError, schemaErrors } from '../schema/check-schema.js';
import { validateGroupName } from '../schema/validate-names.js';

export const KEY_BACKUP_FORMAT = 'smgr-key-backup';
export const KEY_BACKUP_VERSION = 1;

const PART_PREFIX = { 'management-group': 'mg', 'data-warehouse': 'dw', portal: 'portal' } as const;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const KEK_BASE64 = /^[A-Za-z0-9+/]{43}=$/;

const isIsoTime = (v: string) => ISO_TIME.test(v) && Number.isFinite(Date.parse(v));
const isKek = (s: string) => KEK_BASE64.test(s) && Buffer.from(s, 'base64').toString('base64') === s;
const accepts = (check: (s: string) => unknown) => (s: string) => {
  try {
    check(s);
    return true;
  } catch {
    return false;
  }
};

const IsoTime = Type.Refine(Type.String(), isIsoTime, () => 'is not an ISO 8601 time');
const Part = Type.Union([
  Type.Literal('management-group'),
  Type.Literal('data-warehouse'),
  Type.Literal('portal'),
]);

const BackedUpKeySchema = Type.Refine(
  Type.Object({
    keyId: Type.String({ pattern: '^(mg|dw|portal)-[0-9a-f]{16}$' }),
    part: Part,
    kek: Type.Refine(Type.String(), isKek, () => 'is not base64 of 32 bytes'),
    createdAt: IsoTime,
    /** The key's own group when it is not the document's (the DW's key on a computer running both parts). */
    managementGroup: Type.Optional(
      Type.Object({
        id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
        name: Type.Refine(Type.String(), accepts(validateGroupName), () => 'is not a valid group name'),
      }),
    ),
  }),
  (k) => k.keyId.startsWith(`${PART_PREFIX[k.part]}-`),
  () => '.keyId does not match its part',
);

/** The first key that repeats an earlier one's `member`, as `[i].member appears twice`, or undefined. */
function repeated(keys: ReadonlyArray<{ keyId: string; part: string }>): string | undefined {
  for (const member of ['keyId', 'part'] as const) {
    const seen = new Set<string>();
    for (const [i, k] of keys.entries()) {
      if (seen.has(k[member])) return `[${i}].${member} appears twice`;
      seen.add(k[member]);
    }
  }
  return undefined;
}

export const KeyBackupDocumentSchema = Type.Object({
  format: Type.Literal(KEY_BACKUP_FORMAT),
  version: Type.Literal(KEY_BACKUP_VERSION),
  createdAt: IsoTime,
  computerName: Type.Refine(
    Type.String(),
    (s) => accepts(normalizeComputerName)(s) && normalizeComputerName(s) === s,
    () => 'is not a valid computer name',
  ),
  managementGroup: Type.Object({
    id: Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }),
    name: Type.Refine(Type.String(), accepts(validateGroupName), () => 'is not a valid group name'),
  }),
  keys: Type.Refine(
    Type.Array(BackedUpKeySchema, { minItems: 1 }),
    (keys) => repeated(keys) === undefined,
    (keys) => repeated(keys) ?? 'repeats a key',
  ),
  backupIdentity: Type.Optional(
    Type.Union([Type.Null(), Type.String({ pattern: '^AGE-SECRET-KEY-1[0-9A-Z]+$' })]),
  ),
});

/** The JSON document inside a key backup file (a type alias, so it is a Record). */
export type KeyBackupDocument = Static<typeof KeyBackupDocumentSchema>;

/** What a member must be, for problems the schema reports in its own words (type, pattern, required). */
const MEMBER_RULE: Record<string, string> = {
  format: `is not "${KEY_BACKUP_FORMAT}"`,
  version: 'is missing or not an integer',
  createdAt: 'is not an ISO 8601 time',
  computerName: 'is not a valid computer name',
  managementGroup: 'is missing',
  'managementGroup.id': 'is not a UUID',
  'managementGroup.name': 'is not a valid group name',
  keys: 'is missing or empty',
  'keys[]': 'is not an object',
  'keys[].keyId': 'is not a key id',
  'keys[].part': 'is not a known part',
  'keys[].kek': 'is not base64 of 32 bytes',
  'keys[].createdAt': 'is not an ISO 8601 time',
  backupIdentity: 'is not an age identity',
};

/** Names the first member of `document` that breaks FORMAT §1.3, or undefined when it conforms. */
export function keyBackupDocumentProblem(document: unknown): string | undefined {
  const first = schemaErrors(KeyBackupDocumentSchema, document)[0];
  return first && describe(first);
}

function describe(e: SchemaError): string {
  let pointer = e.instancePath;
  if (e.keyword === 'required') {
    const missing = (e.params.requiredProperties as string[] | undefined)?.[0];
    if (missing) pointer = `${pointer}/${missing}`;
  }
  const member = pointer
    .split('/')
    .slice(1)
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
  if (e.keyword === '~refine')
    return /^[.[]/.test(e.message) ? `${member}${e.message}` : `${member} ${e.message}`;
  const rule = MEMBER_RULE[member.replace(/\[\d+\]/g, '[]')] ?? e.message;
  return `${member || 'the document'} ${rule}`;
}
