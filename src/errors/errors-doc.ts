/**
 * Renders docs/ERRORS.md from the registry: the exit codes, the --json shapes
 * and one row per error code. `npm run docs:errors` writes it; a test fails
 * when the committed file differs, so the doc cannot drift from the code.
 */
import { errorRegistry } from './error-registry.js';

const HEADER = `# smgr errors, exit codes and JSON shapes

Generated from \`src/errors/error-registry.ts\` by \`npm run docs:errors\`; a test
checks that this file matches the registry. Codes are a stable contract for
scripts: a code is never renamed or reused.

## Exit codes

| exit | meaning |
|---|---|
| 0 | success |
| 1 | the command failed: one line \`error: <cause>\` and one line \`remedy: <what to do>\` on stderr |
| 2 | bad usage (unknown command or flag, missing argument, invalid value); \`--help\` shows the usage |

## \`--json\` shapes

With \`--json\` a command prints one JSON document on stdout.

- Success: \`{"ok": true, ...result}\`; the result fields are those of the command (for example \`smgr status --json\`:
  \`managementGroup {id, name}\`, \`computerName\`, \`database {url, engine, schemaVersion}\`, \`parts [{part, role}]\`,
  \`servers [{computerName, part, role, alive, lastHeartbeat}]\`,
  \`keys [{keyId, part, inSecureStorage, verifies, lastBackupAt}]\`,
  \`workflowLease {holder, since, expiresAt, token}\` (the lease by the database clock; null before schema 3),
  \`workflows {leaseLive, history [{workflow, runs, failed, interrupted, last {seq, holder, token, startedAt,
  finishedAt, outcome, counts}}]}\`, \`warnings [string]\`; \`smgr promote --json\`: \`holder\`, \`token\`, \`since\`,
  \`expiresAt\`, \`previousHolder\`, \`previousToken\`, \`fenced\`, \`holderAlive\`).
- Failure: \`{"ok": false, "error": {"code": CODE, "message": cause, "remedy": remedy}}\`, with the exit code above.

## HTTP API errors

Every error answer of the HTTP API is JSON \`{"error": CODE, "message": cause, "remedy": remedy}\` with the
status below. Bad input is always a 4xx; a 500 means a fault on the server side, logged there, never a stack
trace in the answer.

## Codes

Placeholders in braces are filled with names, ids and paths — never with a key, a password or a token.

| code | exit | HTTP | cause | remedy |
|---|---|---|---|---|
`;

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function renderErrorsDoc(): string {
  const rows = Object.entries(errorRegistry).map(
    ([code, e]) => `| \`${code}\` | ${e.exit} | ${e.status} | ${cell(e.cause)} | ${cell(e.remedy)} |`,
  );
  return `${HEADER}${rows.join('\n')}\n`;
}
