/**
 * A refusal that tells the client when to come back: 429 SIGN_IN_THROTTLED
 * with a Retry-After header (http-errors.ts sets it from retryAfterS).
 */
import { SmgrError } from '../errors/smgr-error.js';

export class RetryLaterError extends SmgrError {
  constructor(readonly retryAfterS: number) {
    super('SIGN_IN_THROTTLED', { seconds: retryAfterS });
  }
}
