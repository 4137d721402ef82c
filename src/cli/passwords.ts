/**
 * Passwords come from a hidden prompt (asked twice when it is a new one) or
 * from a file (--password-file) for automation; never from argv. A file's
 * content is taken whole, minus one trailing newline.
 */
import fs from 'node:fs';
import { SmgrError } from '../errors/smgr-error.js';

export function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new SmgrError('FILE_UNREADABLE', {
      path: file,
      reason: (e as NodeJS.ErrnoException).code ?? 'error',
    });
  }
  return text.replace(/\r?\n$/, '');
}

export interface PasswordSource {
  file?: string;
  /** The flag that supplies it, for the "no terminal" error. */
  flag: string;
  prompt: string;
  /** Ask twice and require both to match (new passwords). */
  confirm?: boolean;
}

export async function getPassword(src: PasswordSource): Promise<string> {
  if (src.file) return readPasswordFile(src.file);
  if (!process.stdin.isTTY) throw new SmgrError('PASSWORD_REQUIRED', { flag: src.flag });
  const first = await promptHidden(`${src.prompt}: `);
  if (src.confirm) {
    const second = await promptHidden(`${src.prompt} (again): `);
    if (first !== second) throw new SmgrError('PASSWORD_MISMATCH');
  }
  return first;
}

/** Reads a line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new SmgrError('USAGE', { detail: 'Interrupted' }));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
