/**
 * Everything the CLI prints goes through here: human text on stdout, or with
 * --json one JSON document per line on stdout (progress events of long work,
 * then the result last). Errors: two lines (cause, remedy) on stderr, or with
 * --json `{"ok": false, "error": CODE, "message": cause, "remedy": remedy}`
 * on stdout — the same error object as the HTTP API's and the admin
 * channel's (docs/ERRORS.md).
 */
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';

export interface Output {
  readonly json: boolean;
  /** Human text (suppressed with --json). */
  line(text?: string): void;
  /** The command's result: one JSON line with --json, else printed by `human`. */
  result<T>(value: T, human: (value: T) => void): void;
  /** A JSON line before the result (--json only): progress of long work. */
  event(value: Record<string, unknown>): void;
  warn(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    line: (text = '') => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    result: (value, human) => {
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...(value as object) })}\n`);
      else human(value);
    },
    event: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
    warn: (text) => process.stderr.write(`warning: ${text}\n`),
  };
}

/** Prints an error and answers the exit code. Unknown errors print no stack trace. */
export function reportError(e: unknown, json: boolean): number {
  const err = isSmgrError(e) ? e : new SmgrError('INTERNAL', {}, { cause: e });
  if (json) {
    process.stdout.write(`${JSON.stringify({ ok: false, ...err.toJSON() })}\n`);
  } else {
    process.stderr.write(`error: ${err.message}\nremedy: ${err.remedy}\n`);
  }
  if (!isSmgrError(e) && process.env.SMGR_DEBUG)
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return err.exitCode;
}
