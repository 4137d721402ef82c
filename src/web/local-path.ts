/**
 * Where a sign-in may send the browser next: only a path of this web part
 * ("/x" or "/console/x"), never "//host", "http:", a backslash trick, or a
 * sign-in page (no loops).
 */
export function localPathUnder(root: '/' | `/${string}`): (next: string | undefined) => string {
  const base = root === '/' ? '' : root;
  return (next) =>
    next &&
    /^\/(?![/\\])[\x21-\x7e]*$/.test(next) &&
    (base === '' || next === base || next.startsWith(`${base}/`) || next.startsWith(`${base}?`)) &&
    !next.startsWith(`${base}/sign-`)
      ? next
      : root;
}
