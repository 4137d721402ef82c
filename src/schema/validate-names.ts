/** Validation of names and passwords given to setup; each refusal is a usage error. */
import { SmgrError } from '../errors/smgr-error.js';

export const MIN_PASSWORD_LENGTH = 8;

export function validateGroupName(name: string): void {
  if (!/^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,63}$/u.test(name)) {
    throw new SmgrError('USAGE', {
      detail: 'The management group name must be 1-64 letters, digits, spaces, dots, hyphens or underscores',
    });
  }
}

export function validateUsername(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(name)) {
    throw new SmgrError('USAGE', {
      detail: 'The user name must be 1-64 letters, digits, dots, hyphens, @ or underscores',
    });
  }
}

export function validatePassword(password: string, min = MIN_PASSWORD_LENGTH): void {
  if ([...password].length < min) throw new SmgrError('PASSWORD_TOO_SHORT', { min });
}
