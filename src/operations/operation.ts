/**
 * One definition per operation (issue 8): every command the CLI runs either
 * in its own process or through the running server's admin channel is one
 * typed entry — a name, the schema of its input, and run(). The CLI's direct
 * path, its path through the server, and the admin channel's dispatcher all
 * take the entry from the one table (operations.ts), and all three check the
 * input against the same schema (src/schema/check-schema.ts).
 */
import type { Static, TSchema } from 'typebox';
import type { Progress } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import type { Installation } from '../parts/installation.js';
import { checkSchema } from '../schema/check-schema.js';

export interface Operation<S extends TSchema = TSchema, R = unknown> {
  /** The admin channel's path: POST /<name>. */
  readonly name: string;
  readonly input: S;
  run(inst: Installation, input: Static<S>, progress: Progress): Promise<R>;
}

export function defineOperation<S extends TSchema, R>(op: Operation<S, R>): Operation<S, R> {
  return op;
}

/** The input typed by the operation's schema, or USAGE naming what is wrong. */
export function checkInput<S extends TSchema>(op: Operation<S, unknown>, input: unknown): Static<S> {
  return checkSchema(
    op.input,
    input ?? {},
    (problems) => new SmgrError('USAGE', { detail: `${op.name}: ${problems}` }),
  );
}
