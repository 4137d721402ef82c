/**
 * Everything the CLI prints goes through here: human text on stdout, or one
 * JSON document with --json; errors as two lines (cause, remedy) on stderr,
 * or `{ok: false, error: {code, message, remedy}}` on stdout with --json.
 */
import { isSmgrError, SmgrError } from '../errors/smgr-error.js';

export interface Output {
  readonly json: boolean;
  /** Human text (suppressed with --json). */
  line(text?: string): void;
  /** The command's result: printed as JSON with --json, else by `human`. */
  result<T>(value: T, human: (value: T) => void): void;
  warn(text: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    line: (text = '') => {
      if (!json) process.stdout.write(`${text}\n`);
    },
    result: (value, human) => {
      if (json) process.stdout.write(`${JSON.stringify({ ok: true, ...(value as object) }, null, 2)}\n`);
      else human(value);
    },
    warn: (text) => process.stderr.write(`warning: ${text}\n`),
  };
}

/** Prints an error and answers the exit code. Unknown errors print no stack trace. */
export function reportError(e: unknown, json: boolean): number {
  const err = isSmgrError(e) ? e : new SmgrError('INTERNAL');
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ ok: false, error: { code: err.code, message: err.message, remedy: err.remedy } })}\n`,
    );
  } else {
    process.stderr.write(`error: ${err.message}\nremedy: ${err.remedy}\n`);
  }
  if (!isSmgrError(e) && process.env.SMGR_DEBUG)
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return err.exitCode;
}
