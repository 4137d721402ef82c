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

Scripts can rely on these (like restic's): one code for each state a script must tell apart.

| exit | meaning |
|---|---|
| 0 | success |
| 1 | the command failed: one line \`error: <cause>\` and one line \`remedy: <what to do>\` on stderr |
| 2 | bad usage (unknown command or flag, missing argument, invalid value); \`--help\` shows the usage |
| 10 | nothing, or not the part the command needs, is installed in the home (\`NOT_INSTALLED\`, \`PART_NOT_INSTALLED\`) |
| 11 | locked, or another operation is in progress: try again later (\`DATABASE_LOCKED\`, \`SERVER_RUNNING\`, \`BACKUP_IN_PROGRESS\`, \`LEASE_BUSY\`) |
| 12 | the passphrase does not open the key backup file (\`KEY_BACKUP_WRONG_PASSPHRASE\`) |
| 13 | a part's key is missing from secure storage or does not match its record (\`KEY_MISSING\`, \`KEY_MISMATCH\`) |

\`smgr doctor\` exits 1 when a check fails.

## \`--json\` output

With \`--json\` a command prints JSON lines on stdout: zero or more progress events of long work
(\`{"type": "progress", "phase": ..., "database": ..., "table": ..., "rows": ..., "bytes": ..., "tablesDone": ...,
"tablesTotal": ...}\`, as restic's JSON status lines), then the result as the last line.

- Success: \`{"ok": true, ...result}\`; the result fields are those of the command. \`smgr status --json\`:
  \`computerName\`, \`parts\` (one per part installed here: \`part\`, \`role\`, \`managementGroup {id, name}\`,
  \`databases [{name, url, engine, schemaVersion}]\`, \`keys [{keyId, part, inSecureStorage, verifies, lastBackupAt}]\`,
  \`summary [{label, value}]\`, \`warnings\`, and the part's own fields — for the management server
  \`servers [{computerName, part, role, alive, lastHeartbeat}]\`, \`workflowLease {holder, since, expiresAt, token}\`
  (by the database clock; null before schema 3), \`workflows {leaseLive, history [...]}\`), \`warnings\`;
  \`smgr doctor --json\`: \`ok\`, \`computerName\`, \`parts [{part, managementGroup}]\`,
  \`checks [{part, name, state, detail, remedy}]\`; \`smgr backup create --json\`: \`archives [{file, size, createdAt,
  finishedAt, managementGroup, databases, durationMs}]\` (one per part installed here); \`smgr promote --json\`:
  \`holder\`, \`token\`, \`since\`, \`expiresAt\`, \`previousHolder\`, \`previousToken\`, \`fenced\`, \`holderAlive\`.
- Failure: \`{"ok": false, "error": CODE, "message": cause, "remedy": remedy}\` with the exit code above — the same
  error object as the HTTP API's (below) and the admin channel's, with \`ok\` beside it.

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
