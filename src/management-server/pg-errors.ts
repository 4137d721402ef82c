/**
 * Recognises PostgreSQL errors by SQLSTATE, the same on both engines (pg and
 * PGlite both carry `code`). Used to turn a unique-constraint violation into
 * 409 CONFLICT and a value the database refuses (class 22, e.g. a NUL
 * character in text) into 400 instead of 500.
 */

function sqlState(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isUniqueViolation(e: unknown): boolean {
  return sqlState(e) === '23505';
}

/** SQLSTATE class 22, "data exception": the database refused a value as given. */
export function isDataException(e: unknown): boolean {
  return sqlState(e)?.startsWith('22') ?? false;
}
