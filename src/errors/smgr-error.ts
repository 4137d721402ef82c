/**
 * SmgrError: the one error type that reaches a user. Built only from the
 * registry (error-registry.ts) so every code has a stable exit code, HTTP
 * status, cause and remedy. Messages never carry secrets: callers pass only
 * names, ids and paths as details.
 */
import { type ErrorCode, errorRegistry } from './error-registry.js';

export type ErrorDetails = Record<string, string | number>;

export class SmgrError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly httpStatus: number;
  readonly remedy: string;

  constructor(code: ErrorCode, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    const entry = errorRegistry[code];
    super(fill(entry.cause, details), options);
    this.name = 'SmgrError';
    this.code = code;
    this.exitCode = entry.exit;
    this.httpStatus = entry.status;
    this.remedy = fill(entry.remedy, details);
  }

  toJSON(): { error: ErrorCode; message: string; remedy: string } {
    return { error: this.code, message: this.message, remedy: this.remedy };
  }
}

/** Replaces {name} placeholders; a missing detail stays visible as {name}. */
function fill(template: string, details: ErrorDetails): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in details ? String(details[key]) : whole,
  );
}

export function isSmgrError(e: unknown): e is SmgrError {
  return e instanceof SmgrError;
}
