/**
 * /api/v1/users: administrators create, list, read and change users (role,
 * display name, disabled); a disabled user cannot sign in and their tokens
 * are revoked. PUT /users/NAME/password: every user changes their own
 * password with the current one (rate-limited like sign-in; their other
 * tokens are revoked); an administrator sets anyone else's (all of that
 * user's tokens are revoked). The domain rules are in users.ts.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { SmgrError } from '../../errors/smgr-error.js';
import { MIN_PASSWORD_LENGTH } from '../../schema/validate-names.js';
import { forbidden, requires, signedIn, userCan } from '../access.js';
import { apiLimits } from '../api-limits.js';
import type { AppContext } from '../app-context.js';
import { currentUser } from '../auth.js';
import { errorResponses } from '../http-errors.js';
import { Nullable } from '../nullable.js';
import { cursorSchema, decodeCursor, limitSchema, pageSchema, parseLimit, toPage } from '../pagination.js';
import { ROLE_NAMES } from '../roles.js';
import { checkPassword } from '../sign-in.js';
import { getUser, listUsers, USERNAME_PATTERN, UserRef } from '../user-store.js';
import { addUser, setPassword, USERS_PATH, updateUserAccount, userNotFound } from '../users.js';

const LIST = 'users';
const resource = { kind: 'user', path: USERS_PATH };

const Username = Type.String({ pattern: USERNAME_PATTERN, description: '1-64 letters, digits, . _ @ -' });
const Role = Type.Enum([...ROLE_NAMES], { description: 'The role: what the user may do.' });
const Password = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: 1024 });
const DisplayName = Nullable(Type.String({ minLength: 1, maxLength: 255 }));

const NameParams = Type.Object({ name: Username }, { additionalProperties: false });

const CreateBody = Type.Object(
  { username: Username, role: Role, password: Password, displayName: Type.Optional(DisplayName) },
  { additionalProperties: false },
);

const PatchBody = Type.Object(
  {
    role: Type.Optional(Role),
    displayName: Type.Optional(DisplayName),
    disabled: Type.Optional(
      Type.Boolean({
        description: 'true disables the user and revokes their tokens; false enables them again.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

const PasswordBody = Type.Object(
  {
    password: Password,
    currentPassword: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description: 'Required to change your own password; not given for anyone else.',
      }),
    ),
  },
  { additionalProperties: false },
);

const PasswordAnswer = Type.Object(
  {
    user: UserRef,
    revokedTokens: Type.Integer({
      description: "Tokens of the user revoked (a user's own current one is kept).",
    }),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object(
  {
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Enum(['true', 'false'])),
    limit: Type.Optional(Type.Unsafe<string>(limitSchema)),
    cursor: Type.Optional(Type.Unsafe<string>(cursorSchema)),
  },
  { additionalProperties: false },
);

const common = { tags: ['users'] };
const manage = requires(['users'], 'manage users');

export const userRoutes: FastifyPluginAsync<{ ctx: AppContext }> = async (plain, { ctx }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const limits = apiLimits(ctx).signIn;

  app.post(
    '/users',
    {
      config: { access: manage },
      schema: {
        ...common,
        summary: 'Create a user (the password is hashed with scrypt and never returned)',
        body: CreateBody,
        response: { 201: UserRef, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await addUser(ctx.db, request.body, currentUser(request).username);
      return reply.status(201).send(user);
    },
  );

  app.get(
    '/users',
    {
      config: { access: manage },
      schema: {
        ...common,
        summary: 'List users (keyset pagination by user name)',
        querystring: ListQuery,
        response: { 200: pageSchema('User'), ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const limit = parseLimit(q.limit);
      const after = q.cursor ? decodeCursor(LIST, q.cursor) : undefined;
      if (after !== undefined && !new RegExp(USERNAME_PATTERN).test(after)) {
        throw new SmgrError('VALIDATION', { detail: 'querystring/cursor is not a cursor of this list' });
      }
      const rows = await listUsers(ctx.db, {
        role: q.role,
        disabled: q.disabled === undefined ? undefined : q.disabled === 'true',
        afterUsername: after,
        limit: limit + 1,
      });
      return toPage(rows, limit, LIST, (u) => u.username);
    },
  );

  app.get(
    '/users/:name',
    {
      config: { resource, access: manage },
      schema: {
        ...common,
        summary: 'Get a user',
        params: NameParams,
        response: { 200: UserRef, ...errorResponses },
      },
    },
    async (request) => {
      const user = await getUser(ctx.db, request.params.name);
      if (!user) throw userNotFound(request.params.name);
      return user;
    },
  );

  app.patch(
    '/users/:name',
    {
      config: { resource, access: manage },
      schema: {
        ...common,
        summary: 'Change a user: role, display name, disabled',
        description: 'The last enabled administrator cannot be disabled or given another role (409).',
        params: NameParams,
        body: PatchBody,
        response: { 200: UserRef, ...errorResponses },
      },
    },
    async (request) =>
      updateUserAccount(ctx.db, request.params.name, request.body, currentUser(request).username),
  );

  app.put(
    '/users/:name/password',
    {
      config: {
        resource,
        access: signedIn("Your own, with currentPassword; anyone else's: administrators."),
      },
      schema: {
        ...common,
        summary: "Change a user's password and revoke their tokens",
        params: NameParams,
        body: PasswordBody,
        response: { 200: PasswordAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const me = currentUser(request);
      const { name } = request.params;
      const { password, currentPassword } = request.body;
      if (name !== me.username) {
        if (!userCan(request, 'users')) throw forbidden(request, "change another user's password");
        if (currentPassword !== undefined) {
          throw new SmgrError('VALIDATION', {
            detail: 'body/currentPassword is only for changing your own password; leave it out',
          });
        }
        return setPassword(ctx.db, name, password, me.username);
      }
      if (currentPassword === undefined) {
        throw new SmgrError('VALIDATION', {
          detail: 'body/currentPassword is required to change your own password',
        });
      }
      await checkPassword(
        ctx.db,
        { username: me.username, address: request.ip },
        currentPassword,
        limits,
        () => new SmgrError('CURRENT_PASSWORD_WRONG'),
        'user.password-check',
      );
      return setPassword(ctx.db, name, password, me.username, me.tokenHash);
    },
  );
};
