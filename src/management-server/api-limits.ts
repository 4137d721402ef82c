/**
 * The limits of the HTTP API: sign-in rate limits, request and body
 * timeouts, connections per address. Defaults suit a service desk; tests and
 * `smgr serve` may pass others through AppContext.limits.
 */
import type { AppContext } from './app-context.js';
import { DEFAULT_SIGN_IN_LIMITS, type SignInLimits } from './sign-in-throttle.js';

export interface HttpLimits {
  /** Headers must arrive within this time (slowloris): 408. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time (stalled bodies): 408. */
  requestTimeoutMs: number;
  /** How often Node checks the two timeouts above (their precision). */
  timeoutCheckIntervalMs: number;
  /** Open connections one client address may hold at once; more are answered 429 and closed. */
  maxConnectionsPerAddress: number;
  /** After answering on a connection that is closing, how long to keep reading what the client still sends. */
  lingerMs: number;
  /**
   * Addresses of proxies (the Self-Service Portal) whose X-Forwarded-For names the client: sign-in limits
   * then count the end user's address, not the proxy's. None by default.
   */
  trustedProxies: string[];
}

export interface ApiLimits {
  signIn: SignInLimits;
  http: HttpLimits;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  timeoutCheckIntervalMs: 1_000,
  maxConnectionsPerAddress: 128,
  lingerMs: 2_000,
  trustedProxies: [],
};

export interface ApiLimitOverrides {
  signIn?: Partial<SignInLimits>;
  http?: Partial<HttpLimits>;
}

export function apiLimits(ctx: Pick<AppContext, 'limits'>): ApiLimits {
  return {
    signIn: { ...DEFAULT_SIGN_IN_LIMITS, ...ctx.limits?.signIn },
    http: { ...DEFAULT_HTTP_LIMITS, ...ctx.limits?.http },
  };
}
