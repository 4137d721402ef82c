/**
 * The management pack document of docs/MANAGEMENT-PACKS.md §2 as a TypeBox
 * schema (the JSON Schema the code validates against; the types are derived
 * from it). Unknown keys are refused at every level. What a schema cannot say
 * (ids namespaced by the pack id, references between contents, the keys each
 * property type takes) is checked by pack-rules.ts after this schema.
 */
import { type Static, type TSchema, Type } from 'typebox';

export const PACK_FORMAT = 'smgr-management-pack';
export const PACK_FORMAT_VERSION = 1;
/** §2: the largest pack document, in bytes of JSON. */
export const MAX_PACK_BYTES = 4 * 1024 * 1024;
/** §2.2: how deep an enumeration's items nest. */
export const MAX_ITEM_DEPTH = 8;

export const PACK_ID_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*){1,7}$';
/** A content id: the pack id and one or more segments (pack-rules.ts checks the prefix). */
export const CONTENT_ID_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$';
export const VERSION_PATTERN = '^(0|[1-9][0-9]{0,8})(\\.(0|[1-9][0-9]{0,8})){3}$';

const strict = { additionalProperties: false } as const;
const PackId = Type.String({ pattern: PACK_ID_PATTERN, maxLength: 128 });
const Id = Type.String({ pattern: CONTENT_ID_PATTERN, maxLength: 200 });
const Version = Type.String({ pattern: VERSION_PATTERN });
const Name = Type.String({ minLength: 1, maxLength: 255 });
const Description = Type.String({ maxLength: 4000 });
const many = <T extends TSchema>(item: T, max = 1000, min = 0) =>
  Type.Array(item, { minItems: min, maxItems: max });

export const VALUE_TYPES = ['string', 'integer', 'decimal', 'boolean', 'datetime', 'list'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
const ValueTypeSchema = Type.Enum([...VALUE_TYPES]);

/** The keys a typed value may carry (which ones a type takes: pack-rules.ts). */
const typed = {
  type: ValueTypeSchema,
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  minimum: Type.Optional(Type.Number()),
  maximum: Type.Optional(Type.Number()),
  list: Type.Optional(Id),
};

export const PropertySchema = Type.Object(
  {
    id: Id,
    name: Name,
    description: Type.Optional(Description),
    ...typed,
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(Type.Unknown()),
  },
  strict,
);

const ClassExtensionSchema = Type.Object(
  { id: Id, class: Name, properties: many(PropertySchema, 200, 1) },
  strict,
);

function itemSchema(depth: number): TSchema {
  return Type.Object(
    {
      id: Id,
      name: Name,
      description: Type.Optional(Description),
      value: Type.Optional(Type.Union([Type.String({ minLength: 1, maxLength: 255 }), Type.Integer()])),
      ...(depth > 1 ? { items: Type.Optional(many(itemSchema(depth - 1), 1000, 1)) } : {}),
    },
    strict,
  );
}

export interface EnumerationItem {
  id: string;
  name: string;
  description?: string;
  value?: string | number;
  items?: EnumerationItem[];
}

const EnumerationSchema = Type.Object(
  {
    id: Id,
    name: Name,
    description: Type.Optional(Description),
    items: Type.Unsafe<EnumerationItem[]>(many(itemSchema(MAX_ITEM_DEPTH), 1000, 1)),
  },
  strict,
);

const TemplateSchema = Type.Object(
  { id: Id, name: Name, class: Name, values: Type.Record(Type.String(), Type.Unknown()) },
  strict,
);

const Status = Type.Enum(['published', 'draft']);
const Category = Type.String({ minLength: 1, maxLength: 255 });

const ServiceOfferingSchema = Type.Object(
  { id: Id, title: Name, description: Type.Optional(Description), category: Category, status: Status },
  strict,
);

export const QuestionSchema = Type.Object(
  {
    id: Id,
    prompt: Type.String({ minLength: 1, maxLength: 1000 }),
    description: Type.Optional(Description),
    ...typed,
    required: Type.Optional(Type.Boolean()),
    mapsTo: Type.String({ minLength: 1, maxLength: 200 }),
  },
  strict,
);

const RequestOfferingSchema = Type.Object(
  {
    id: Id,
    title: Name,
    description: Type.Optional(Description),
    category: Category,
    status: Status,
    serviceOffering: Type.Optional(Id),
    template: Id,
    questions: many(QuestionSchema, 50),
  },
  strict,
);

export const OPERATORS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'is-null', 'is-not-null'] as const;
export type Operator = (typeof OPERATORS)[number];

const Field = Type.String({ minLength: 1, maxLength: 200 });
export const CriterionSchema = Type.Object(
  { field: Field, operator: Type.Enum([...OPERATORS]), value: Type.Optional(Type.Unknown()) },
  strict,
);

const RecipientSchema = Type.Object(
  {
    kind: Type.Enum(['affected-user', 'assigned-to', 'user']),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  },
  strict,
);

const SubscriptionSchema = Type.Object(
  {
    id: Id,
    name: Name,
    class: Name,
    event: Type.Enum(['created', 'updated']),
    criteria: many(CriterionSchema, 20),
    message: Type.Object(
      {
        subject: Type.String({ minLength: 1, maxLength: 255 }),
        body: Type.String({ minLength: 1, maxLength: 10_000 }),
      },
      strict,
    ),
    recipients: many(RecipientSchema, 50, 1),
  },
  strict,
);

const ViewSchema = Type.Object(
  {
    id: Id,
    name: Name,
    class: Name,
    criteria: many(CriterionSchema, 20),
    columns: many(Field, 50, 1),
    sort: many(Type.Object({ field: Field, direction: Type.Enum(['asc', 'desc']) }, strict), 5),
  },
  strict,
);

const ClassSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' }),
    kind: Type.Enum(['work-item', 'configuration-item']),
    displayPrefix: Type.Optional(Type.String({ pattern: '^[A-Z]{1,8}$' })),
  },
  strict,
);

export const SealSchema = Type.Object(
  {
    algorithm: Type.Literal('ed25519'),
    publicKey: Type.String({ pattern: '^[A-Za-z0-9+/]{40,120}={0,2}$' }),
    signature: Type.String({ pattern: '^[A-Za-z0-9+/]{86}==$' }),
  },
  strict,
);

export const PackSchema = Type.Object(
  {
    format: Type.Literal(PACK_FORMAT),
    formatVersion: Type.Literal(PACK_FORMAT_VERSION),
    id: PackId,
    version: Version,
    name: Name,
    description: Type.Optional(Description),
    references: Type.Optional(many(Type.Object({ id: PackId, minVersion: Version }, strict), 64)),
    classes: Type.Optional(many(ClassSchema, 50)),
    classExtensions: Type.Optional(many(ClassExtensionSchema)),
    enumerations: Type.Optional(many(EnumerationSchema)),
    templates: Type.Optional(many(TemplateSchema)),
    serviceOfferings: Type.Optional(many(ServiceOfferingSchema)),
    requestOfferings: Type.Optional(many(RequestOfferingSchema)),
    notificationSubscriptions: Type.Optional(many(SubscriptionSchema)),
    views: Type.Optional(many(ViewSchema)),
    seal: Type.Optional(SealSchema),
  },
  strict,
);

export type Pack = Static<typeof PackSchema>;
export type PackProperty = Static<typeof PropertySchema>;
export type PackQuestion = Static<typeof QuestionSchema>;
export type PackCriterion = Static<typeof CriterionSchema>;
export type PackSeal = Static<typeof SealSchema>;
export type PackClass = NonNullable<Pack['classes']>[number];
export type PackEnumeration = NonNullable<Pack['enumerations']>[number];
export type PackTemplate = NonNullable<Pack['templates']>[number];
export type PackRequestOffering = NonNullable<Pack['requestOfferings']>[number];
export type PackView = NonNullable<Pack['views']>[number];
export type PackSubscription = NonNullable<Pack['notificationSubscriptions']>[number];
