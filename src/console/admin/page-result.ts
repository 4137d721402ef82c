/**
 * What a console page handler of the administrator pages and the recovery
 * dashboard answers, independent of the web server's plumbing (the console
 * module glues it to Fastify): a page to render, a redirect after a post
 * (Post/Redirect/Get), a file to download, or a fragment of HTML.
 */
export type PageResult =
  | { kind: 'page'; view: string; data: Record<string, unknown>; status?: number }
  | { kind: 'redirect'; to: string }
  | { kind: 'download'; fileName: string; contentType: string; text: string }
  | { kind: 'fragment'; view: string; data: Record<string, unknown>; headers: Record<string, string> };

export interface PageInput {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** The parsed form of a POST (urlencoded or multipart), else {}. */
  form: Record<string, unknown>;
  /** The signed-in administrator's user name (the actor of audit rows the domain writes directly). */
  actor: string;
  /** Their bearer token, for the API in process (never shown, never logged). */
  token: string;
}

export interface PageRoute {
  method: 'GET' | 'POST';
  url: string;
  handle(input: PageInput): Promise<PageResult>;
}

export const page = (view: string, data: Record<string, unknown>, status = 200): PageResult => ({
  kind: 'page',
  view,
  data,
  status,
});

export const redirect = (to: string): PageResult => ({ kind: 'redirect', to });

export const field = (form: Record<string, unknown>, name: string): string => {
  const v = form[name];
  return typeof v === 'string' ? v : '';
};
