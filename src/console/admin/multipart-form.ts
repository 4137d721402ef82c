/**
 * multipart/form-data for the console's one file upload (a management pack
 * import), parsed by Node's own fetch implementation (Response.formData),
 * so no dependency is added. The body is bounded by the route's body limit
 * before it gets here. Answers the first value of each field: text fields
 * as strings, files as their name and UTF-8 text; a body that is not valid
 * multipart is refused as a bad request (no detail of the parser shown).
 */
import { SmgrError } from '../../errors/smgr-error.js';

export interface UploadedFile {
  kind: 'file';
  fileName: string;
  size: number;
  text: string;
}

export type MultipartForm = Record<string, string | UploadedFile>;

export async function parseMultipartForm(body: Buffer, contentType: string): Promise<MultipartForm> {
  let data: FormData;
  try {
    data = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch (e) {
    throw new SmgrError(
      'VALIDATION',
      { detail: 'the form upload is not valid multipart/form-data' },
      { cause: e },
    );
  }
  const form: MultipartForm = {};
  for (const [k, v] of data) {
    if (k in form) continue;
    form[k] =
      typeof v === 'string' ? v : { kind: 'file', fileName: v.name, size: v.size, text: await v.text() };
  }
  return form;
}
