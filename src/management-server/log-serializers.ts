/**
 * Pino serializers for the HTTP API's logger. A request is logged as its
 * method and path only: never the query string, headers (Authorization),
 * body or remote details. An error is logged as its type, code, message and
 * stack only: never the extra fields some drivers attach (PGlite puts the
 * query parameters on its errors, pg the row values in `detail`).
 */

interface RequestLike {
  method?: string;
  url?: string;
}

interface ReplyLike {
  statusCode?: number;
}

/** The URL without its query string (or fragment). */
export function pathOf(url: string | undefined): string {
  return (url ?? '').split(/[?#]/, 1)[0] ?? '';
}

export function serializeRequest(req: RequestLike): { method: string; path: string } {
  return { method: String(req.method ?? ''), path: pathOf(req.url) };
}

export function serializeReply(reply: ReplyLike): { statusCode: number | undefined } {
  return { statusCode: reply.statusCode };
}

export function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { type: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: err.message,
    stack: err.stack,
  };
}

export const logSerializers = { req: serializeRequest, res: serializeReply, err: serializeError };
