/**
 * The registry of every error smgr shows a user: stable code, process exit
 * code, HTTP status, one-line cause and one-line remedy. docs/ERRORS.md is
 * generated from this table (scripts/gen-errors-doc.mjs) and a test checks
 * they agree. Codes are a contract for scripts: never rename one.
 */
/**
 * Exit codes a script can rely on (docs/ERRORS.md), like restic's: 0 success,
 * 1 failure, 2 bad usage, and one code for each state a script must tell apart.
 */
export const EXIT = {
  FAILURE: 1,
  USAGE: 2,
  /** Nothing (or not this part) is installed in the home. */
  NOT_INSTALLED: 10,
  /** Locked, or another operation is in progress: try again later. */
  LOCKED: 11,
  /** The passphrase does not open the key backup file. */
  WRONG_PASSPHRASE: 12,
  /** The key a part needs is missing from secure storage or does not match its record. */
  KEY: 13,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorEntry {
  exit: ExitCode;
  status: number;
  cause: string;
  remedy: string;
}

const entry = (exit: ExitCode, status: number, cause: string, remedy: string): ErrorEntry => ({
  exit,
  status,
  cause,
  remedy,
});

export const errorRegistry = {
  // --- usage and input
  USAGE: entry(2, 400, '{detail}', 'Run the command with --help to see its usage.'),
  PASSWORD_TOO_SHORT: entry(
    2,
    400,
    'The password is shorter than {min} characters.',
    'Choose a password of at least {min} characters.',
  ),
  PASSWORD_MISMATCH: entry(2, 400, 'The two passwords differ.', 'Type the same password twice.'),
  PASSWORD_REQUIRED: entry(
    2,
    400,
    'A password is needed and there is no terminal to ask for it.',
    'Pass {flag} FILE with the password in FILE.',
  ),
  FILE_UNREADABLE: entry(1, 400, 'Cannot read {path}: {reason}.', 'Check the path and its permissions.'),
  FILE_EXISTS: entry(1, 409, '{path} already exists.', 'Choose another path, or pass --force to replace it.'),
  // --- home, config, computer
  HOME_UNUSABLE: entry(
    1,
    500,
    'The home directory {path} cannot be used: {reason}.',
    'Check --home / SMGR_HOME and the permissions of that directory.',
  ),
  NOT_INSTALLED: entry(
    EXIT.NOT_INSTALLED,
    409,
    'Nothing is installed in {home}.',
    'Run smgr setup management-server (or npm start for an embedded trial), or pass the right --home.',
  ),
  PART_NOT_INSTALLED: entry(
    EXIT.NOT_INSTALLED,
    409,
    'No {part} is installed in {home}.',
    'Run smgr setup {part} on this computer, or pass the right --home.',
  ),
  ALREADY_INSTALLED: entry(
    1,
    409,
    'This home ({home}) already has management group "{group}" installed.',
    'Use another --home, or remove {home} only if you mean to discard that installation.',
  ),
  CONFIG_INVALID: entry(
    1,
    500,
    'The config file {path} is not valid: {reason}.',
    'Restore config.json from a backup, or run setup again in a new home.',
  ),
  COMPUTER_NAME_MISMATCH: entry(
    1,
    409,
    'This home was set up for computer "{configured}", but the computer name is "{given}".',
    'Run with --computer-name {configured}, or use the home of computer "{given}".',
  ),
  INVALID_COMPUTER_NAME: entry(
    2,
    400,
    'The computer name "{name}" is not valid.',
    'Use 1-63 letters, digits and hyphens (not at the start or end).',
  ),
  // --- secure storage
  SECURE_STORAGE_PERMISSIONS: entry(
    1,
    500,
    'Secure storage {path} is readable by others (mode {mode}).',
    'Run: chmod {fix} {path}',
  ),
  SECURE_STORAGE_OWNER: entry(
    1,
    500,
    'Secure storage {path} belongs to uid {owner}, not to this user (uid {uid}).',
    'Run smgr as the service account that owns it, or chown it to this user.',
  ),
  SECURE_STORAGE_CORRUPT: entry(
    1,
    500,
    'The key file {path} in secure storage is damaged: {reason}.',
    'Restore the key with smgr key restore --file <key backup file>.',
  ),
  // --- database
  DATABASE_URL_INVALID: entry(
    2,
    400,
    'The database URL "{url}" is not valid: {reason}.',
    'Use pglite:<path> for the embedded engine or postgres://user@host:port/dbname for a server.',
  ),
  DATABASE_URL_HAS_PASSWORD: entry(
    2,
    400,
    'The database URL carries a password, and smgr keeps no secrets in config.json.',
    'Remove the password from the URL and put it in ~/.pgpass (or PGPASSWORD) of the service account.',
  ),
  DATABASE_UNREACHABLE: entry(
    1,
    503,
    'Cannot connect to the database {url}: {reason}.',
    'Check that the database server runs and that the URL, user and ~/.pgpass are right.',
  ),
  DATABASE_LOCKED: entry(
    EXIT.LOCKED,
    409,
    'The embedded database {path} is in use by process {pid}.',
    'Stop that process (smgr serve) first, or run the command while it runs so it goes through the server.',
  ),
  DATABASE_NOT_EMPTY: entry(
    1,
    409,
    'The database {url} already holds management group "{group}".',
    'Use --existing-database to join that group, or point --database at an empty database.',
  ),
  DATABASE_HAS_TABLES: entry(
    1,
    409,
    'The database {url} is not empty: it holds tables that are not a management group.',
    "Point --database at an empty database (CREATE DATABASE ...), never at another application's.",
  ),
  DATABASE_NO_GROUP: entry(
    1,
    409,
    'The database {url} holds no management group.',
    'Check --database, or set up a new group with --new-database.',
  ),
  SCHEMA_TOO_NEW: entry(
    1,
    409,
    'The {database} database is at schema version {found}, newer than this smgr knows ({known}).',
    'Upgrade smgr to the version that wrote this database.',
  ),
  // --- keys
  KEY_MISSING: entry(
    EXIT.KEY,
    409,
    'The encryption key {keyId} of management group "{group}" is not in secure storage ({path}).',
    'Restore it before setup or serve: smgr key restore --file <key backup file>',
  ),
  KEY_MISMATCH: entry(
    EXIT.KEY,
    409,
    'The encryption key {keyId} in secure storage does not match the key record in the database.',
    'Restore the right key: smgr key restore --file <key backup file> --force',
  ),
  KEY_RECORD_MISSING: entry(
    1,
    409,
    'The database has no key record {keyId}.',
    'Check that --database points at the management group this computer belongs to.',
  ),
  KEY_BACKUP_NOT_A_KEY_BACKUP: entry(
    1,
    400,
    'The file {path} is not an smgr key backup: {reason}.',
    'Pass the file that smgr key backup wrote (docs/FORMAT.md §1).',
  ),
  KEY_BACKUP_WRONG_PASSPHRASE: entry(
    EXIT.WRONG_PASSPHRASE,
    400,
    'The passphrase does not open the key backup file {path} (or the file header was altered).',
    'Type the passphrase given when the backup was made; a lost passphrase cannot be recovered.',
  ),
  KEY_BACKUP_DAMAGED: entry(
    1,
    400,
    'The key backup file {path} is damaged: {reason}.',
    'Use another copy of the key backup file, or make a new one with smgr key backup where the key still is.',
  ),
  KEY_BACKUP_VERSION: entry(
    1,
    409,
    'The key backup file {path} has format version {found}; this smgr reads version {known}.',
    'Restore it with the smgr version that wrote it, or a newer one.',
  ),
  KEY_BACKUP_NOTHING: entry(
    1,
    409,
    'Secure storage {path} holds no encryption key of management group "{group}".',
    'Back up the keys on a computer of that group that holds them (smgr status lists the keys).',
  ),
  KEY_BACKUP_WRITE_FAILED: entry(
    1,
    500,
    'Cannot write the key backup file {path}: {reason}.',
    'Check that its directory exists and that this user may write there.',
  ),
  KEY_RESTORE_CONFLICT: entry(
    1,
    409,
    'Secure storage {path} already holds key {held} for the {part} part, not key {keyId} of the file.',
    'Pass --force to replace it (the old key is kept beside it, dated).',
  ),
  // --- management group
  NOT_REGISTERED: entry(
    1,
    409,
    'Computer "{computer}" is not registered in management group "{group}".',
    'Run smgr setup management-server --existing-database on this computer.',
  ),
  SERVER_NAME_IN_USE: entry(
    1,
    409,
    '"{computer}" is still alive (last heartbeat {heartbeat}): another live server may use this name. It counts as gone {left} s from now unless it heartbeats again.',
    'Stop that server first. If it is truly gone: run again in {left} s, or with --wait to wait for it, or with --force to take the name over now.',
  ),
  EMBEDDED_SINGLE_SERVER: entry(
    1,
    409,
    'This embedded group holds one management server ("{computer}"), and this computer is "{given}".',
    'Recover under the same name (--computer-name {computer}), or move the group to a PostgreSQL server first.',
  ),
  // --- Self-Service Portal (issue 12)
  PORTAL_KEY_EXISTS: entry(
    1,
    409,
    'Management group "{group}" already has portal key {keyId}; a new portal key is not made.',
    'Restore that key on this computer (smgr key restore --file <key backup file>), then run smgr setup portal --existing.',
  ),
  PORTAL_ALREADY_REGISTERED: entry(
    1,
    409,
    'Computer "{computer}" is already registered as a portal of management group "{group}".',
    'Recover it under this name with smgr setup portal --existing (its key restored first), or choose another computer name.',
  ),
  PORTAL_NAME_IN_USE: entry(
    1,
    409,
    'Portal "{computer}" is still alive (last heartbeat {heartbeat}): another live portal uses this name.',
    'Stop that portal first; if it is truly gone, wait 60 seconds or pass --force.',
  ),
  PORTAL_NOT_REGISTERED: entry(
    1,
    409,
    'Portal "{computer}" is not registered in management group "{group}".',
    'Run smgr setup portal --existing on this computer (its portal key restored first).',
  ),
  PORTAL_KEY_MISSING: entry(
    EXIT.KEY,
    409,
    'Secure storage {path} holds no portal key of management group "{group}".',
    'Restore the portal key first: smgr key restore --file <key backup file>; then run smgr setup portal --existing again.',
  ),
  MANAGEMENT_SERVER_UNREACHABLE: entry(
    1,
    502,
    'The management server {url} cannot be reached: {reason}.',
    'Check that smgr serve runs there and that the URL names it (http://HOST:PORT).',
  ),
  MANAGEMENT_SERVER_REFUSED: entry(1, 502, 'The management server {url} refused: {message}', '{remedy}'),
  // --- workflow lease and promotion
  LEASE_HELD: entry(
    1,
    409,
    'Management server "{holder}" holds a live workflow lease (token {token}, expires {expiresAt}).',
    'Stop "{holder}" or wait until its lease expires, then promote again; if it is hung or cut off, pass --force to fence it.',
  ),
  LEASE_LOST: entry(
    1,
    409,
    'This server no longer holds the workflow lease (token {token}); the database refused the workflow write.',
    'Nothing to do: the current workflow server runs the workflows (smgr status shows which one).',
  ),
  LEASE_BUSY: entry(
    EXIT.LOCKED,
    503,
    'The workflow lease is locked by a transaction that did not finish within {ms} ms.',
    'Try again in a few seconds; if it persists, check the log of the current workflow server.',
  ),
  PROMOTE_UNKNOWN_SERVER: entry(
    1,
    409,
    'No management server "{computer}" is registered in management group "{group}".',
    'Promote one of the registered management servers ({servers}); smgr status lists them.',
  ),
  PROMOTE_ALREADY_HOLDER: entry(
    1,
    409,
    'Management server "{computer}" is already the workflow server (token {token}).',
    'Nothing to promote; if it is not running, start it (smgr serve) or promote another server.',
  ),
  SERVER_RUNNING: entry(
    EXIT.LOCKED,
    409,
    'A management server already runs from this home (process {pid}).',
    'Stop it first (SIGTERM), or use it: the CLI talks to it through its admin channel.',
  ),
  ADMIN_CHANNEL_FAILED: entry(
    1,
    503,
    'The running server did not answer on its admin channel {path}: {reason}.',
    'Check the server log; restart smgr serve if it hangs.',
  ),
  LISTEN_FAILED: entry(
    1,
    500,
    'Cannot listen on {address}: {reason}.',
    'Choose another address with --listen HOST:PORT, or stop what uses that port.',
  ),
  // --- HTTP API
  UNAUTHORIZED: entry(
    1,
    401,
    'Missing or invalid credentials.',
    'Sign in with POST /api/v1/sessions and send Authorization: Bearer <token>.',
  ),
  NOT_FOUND: entry(1, 404, 'No {kind} with id {id}.', 'Check the id; list them with GET {path}.'),
  ROUTE_NOT_FOUND: entry(1, 404, 'No route {method} {path}.', 'See /api/v1/openapi.json for the routes.'),
  VALIDATION: entry(
    1,
    400,
    'The request is not valid: {detail}.',
    'See /api/v1/openapi.json for the request schema.',
  ),
  CONFLICT: entry(1, 409, '{detail}.', 'Choose another name.'),
  BODY_TOO_LARGE: entry(1, 413, 'The request body is larger than {limit} bytes.', 'Send a smaller body.'),
  MALFORMED_JSON: entry(
    1,
    400,
    'The request body is not valid JSON.',
    'Send a JSON body with Content-Type: application/json.',
  ),
  UNSUPPORTED_MEDIA_TYPE: entry(
    1,
    415,
    'The request body must be JSON.',
    'Send Content-Type: application/json.',
  ),
  FORBIDDEN: entry(
    1,
    403,
    '{detail}.',
    'Sign in as a user whose role allows it; an administrator changes roles with PATCH /api/v1/users/NAME.',
  ),
  SIGN_IN_THROTTLED: entry(
    1,
    429,
    'Too many failed sign-ins for this user name or from this address.',
    'Try again in {seconds} s (the Retry-After header); an administrator can reset a forgotten password.',
  ),
  CURRENT_PASSWORD_WRONG: entry(
    1,
    403,
    'The current password is not right.',
    'Give your current password as currentPassword; an administrator can reset a forgotten one.',
  ),
  UNKNOWN_ROLE: entry(2, 400, 'There is no role named "{role}".', 'Use one of: {roles}.'),
  LAST_ADMINISTRATOR: entry(
    1,
    409,
    'User "{username}" is the last enabled administrator of the group.',
    'Make another user an administrator first.',
  ),
  APPROVAL_DECIDED: entry(
    1,
    409,
    'Approval {id} was already answered ({status}).',
    'An approval is answered once; ask an analyst for a new one if the answer must change.',
  ),
  HEADERS_TOO_LARGE: entry(
    1,
    431,
    'The request headers are larger than {limit} bytes.',
    'Send fewer or smaller headers (cookies, tokens).',
  ),
  REQUEST_TIMEOUT: entry(
    1,
    408,
    'The request was not received within {seconds} s.',
    'Send the headers and the whole body without stalling; retry on a fresh connection.',
  ),
  MALFORMED_REQUEST: entry(
    1,
    400,
    'The request is not valid HTTP/1.1.',
    'Check the client; send a well-formed request line, headers and body framing.',
  ),
  EXPECTATION_FAILED: entry(
    1,
    417,
    'The server supports only Expect: 100-continue.',
    'Leave out the Expect header, or send Expect: 100-continue.',
  ),
  TOO_MANY_CONNECTIONS: entry(
    1,
    429,
    'Too many connections from this address at once (limit {limit}).',
    'Close idle connections or reuse them (keep-alive), then retry.',
  ),
  SECRET_UNREADABLE: entry(
    1,
    500,
    'A sealed value ({table}.{column} of row {row}) cannot be opened.',
    'Run smgr doctor; restore the key that sealed it.',
  ),
  // --- database backups (docs/FORMAT.md §2)
  ARCHIVE_NOT_AN_ARCHIVE: entry(
    1,
    400,
    'The file {path} is not an smgr backup archive.',
    'Pass a .smbak file written by smgr backup create.',
  ),
  ARCHIVE_VERSION: entry(
    1,
    400,
    'The archive {path} has format version {found}; this smgr reads version {known}.',
    'Use the smgr version that wrote it, or a newer one.',
  ),
  ARCHIVE_MALFORMED: entry(
    1,
    400,
    'The archive {path} is malformed: {reason}.',
    'Use another archive; run smgr backup verify on it to check it first.',
  ),
  ARCHIVE_TRUNCATED: entry(
    1,
    400,
    'The archive {path} is truncated: {reason}.',
    'Use a whole copy of the archive (a crashed backup leaves only .partial files, never a .smbak).',
  ),
  ARCHIVE_DAMAGED: entry(
    1,
    400,
    'The archive {path} is damaged: {reason}.',
    'Use another copy of the archive, or another archive.',
  ),
  ARCHIVE_WRONG_IDENTITY: entry(
    1,
    400,
    'The backup identity does not open the archive {path}.',
    'Use the key backup file of the management group that wrote it: --key-file FILE.',
  ),
  ARCHIVE_OTHER_GROUP: entry(
    1,
    409,
    'The archive {path} belongs to management group "{found}", not "{expected}".',
    'Use an archive of this management group.',
  ),
  ARCHIVE_TABLE_MISMATCH: entry(
    1,
    400,
    'Table {database}.{table} in {path} does not match the manifest ({what}).',
    'The archive is damaged or was altered: use another archive.',
  ),
  ARCHIVE_AUTHENTICATION_FAILED: entry(
    1,
    400,
    'The archive {path} does not authenticate: {reason}.',
    'Use an archive written by a management server of this group (smgr backup create), or another copy of it.',
  ),
  ARCHIVE_KEY_MISSING: entry(
    EXIT.KEY,
    409,
    'The archive {path} is authenticated by key {keyId} of management group "{group}", which is neither in secure storage nor in a key backup file given.',
    'Pass --key-file <key backup file of that group> (and --password-file), or restore the key with smgr key restore.',
  ),
  ARCHIVE_UNAUTHENTICATED: entry(
    1,
    409,
    "The archive {path} has format version 1, which cannot be authenticated: anyone holding the group's public backup recipient could have written it.",
    'Restore it only if you know where it comes from: pass --allow-unauthenticated (smgr backup verify checks it is whole).',
  ),
  BACKUP_IDENTITY_MISSING: entry(
    1,
    409,
    'No backup identity of management group "{group}" is in secure storage.',
    'Pass --key-file <key backup file> (and --password-file), or restore that file with smgr key restore.',
  ),
  BACKUP_NO_RECIPIENT: entry(
    1,
    409,
    'Management group "{group}" has no backup recipient yet.',
    'Start smgr serve once on a computer holding the group key (it creates one), then back up again.',
  ),
  BACKUP_IN_PROGRESS: entry(
    EXIT.LOCKED,
    409,
    'Another backup of management group "{group}" is running ({where}).',
    'Wait for it to finish; smgr backup list shows the archives.',
  ),
  BACKUP_ROW_TOO_LARGE: entry(
    1,
    409,
    'Table {table} holds a row too large for an archive ({detail}); no archive was written.',
    'An archive slice holds at most 64 MiB of COPY text and 16 MiB compressed (docs/FORMAT.md §2.5): make that row smaller.',
  ),
  RESTORE_TARGET_NOT_EMPTY: entry(
    1,
    409,
    'The database {url} is not empty.',
    'Restore into an empty database, or pass --replace to drop what it holds.',
  ),
  // --- management packs (issue 10)
  PACK_INVALID: entry(
    2,
    400,
    'The management pack is not valid: {detail}.',
    'Correct the pack (docs/MANAGEMENT-PACKS.md names every key and rule) and import it again.',
  ),
  PACK_SIGNATURE_INVALID: entry(
    1,
    400,
    'The seal of management pack {id} does not verify: the pack was changed after it was sealed, or the seal is not its own.',
    "Import the pack exactly as its publisher sealed it, or seal it again with the publisher's key (smgr mp seal).",
  ),
  PACK_INCOMPATIBLE: entry(
    1,
    409,
    'Management pack {id} {version} cannot replace the imported version {old}: {detail}.',
    'Ask the publisher for a backward-compatible version with a higher version number (docs/MANAGEMENT-PACKS.md §6); nothing was written.',
  ),
  PACK_SEALED: entry(
    1,
    409,
    'Management pack {id} is sealed: {detail}.',
    'Change a sealed pack only by importing a newer sealed version from its publisher; put your own changes in an unsealed pack.',
  ),
  PACK_REFERENCED: entry(
    1,
    409,
    'Management pack {id} is referenced by {by}.',
    'Remove the packs that reference it first (smgr mp remove), or keep it.',
  ),
  PACK_NOT_FOUND: entry(1, 404, 'No management pack {id}.', 'List the imported packs with smgr mp list.'),
  PACK_BUILT_IN: entry(
    1,
    409,
    'Management pack {id} is built in: {detail}.',
    "Built-in packs (smgr.*) come with smgr and are sealed with smgr's release key; use your own pack id.",
  ),
  PACK_KEY_INVALID: entry(
    2,
    400,
    '{path} is not an Ed25519 private key (PKCS#8 PEM).',
    'Pass the file smgr mp keygen wrote.',
  ),
  PACK_NO_PACKS: entry(
    1,
    404,
    'The archive {file} holds no unsealed management packs.',
    'Check it is an archive of the group whose packs you want (smgr backup verify lists its content).',
  ),
  // --- data warehouse (issue 9)
  DW_DATABASE_NOT_EMPTY: entry(
    1,
    409,
    'The database {url} given for {database} is not empty.',
    'Point {flag} at an empty database (CREATE DATABASE ...), or use --existing-database to recover a data warehouse.',
  ),
  DW_DATABASE_NO_GROUP: entry(
    1,
    409,
    'The database {url} holds no data warehouse management group.',
    'Pass the DWStagingAndConfig database with --staging-database (restore it first with smgr restore database if it was lost).',
  ),
  DW_DATABASE_MISSING: entry(
    1,
    409,
    'The {database} database ({url}) that DWStagingAndConfig names is missing or empty.',
    'Restore it from the data warehouse archive: smgr restore database --file ARCHIVE --database-name {database} --database {url}',
  ),
  DW_GROUP_NAME_TAKEN: entry(
    1,
    409,
    'The data warehouse management group and the Service Manager management group are both named "{name}".',
    'Management group names are unique: set up the data warehouse under another name.',
  ),
  DW_OTHER_REGISTERED: entry(
    1,
    409,
    'Management group "{group}" already has data warehouse "{dw}" registered (computer {computer}).',
    'Run smgr dw unregister on that data warehouse server first.',
  ),
  DW_REGISTERED_ELSEWHERE: entry(
    1,
    409,
    'This data warehouse is registered with management group "{group}" ({url}).',
    'Run smgr dw unregister first, then register with the other management group.',
  ),
  DW_NOT_REGISTERED: entry(
    1,
    409,
    'Data warehouse "{dw}" is not registered with a Service Manager management group.',
    'Run smgr dw register --management-server URL --admin-user NAME',
  ),
  DW_SOURCE_UNREACHABLE: entry(
    1,
    503,
    'Cannot reach the management server {url}: {reason}.',
    'Check the URL and that smgr serve runs there.',
  ),
  DW_SOURCE_SIGN_IN_FAILED: entry(
    1,
    401,
    'The management server {url} refused the sign-in of {user}: {reason}.',
    'Check the user name and password (the data warehouse credential: smgr dw register again).',
  ),
  DW_SOURCE_ERROR: entry(
    1,
    502,
    'The management server {url} answered {status}: {message}',
    'See the management server log; the remedy it gave: {remedy}',
  ),
  DW_KEY_MISMATCH_SOURCE: entry(
    EXIT.KEY,
    409,
    'The data warehouse key {keyId} does not match its record in management group "{group}": {detail}.',
    'Restore the right key (smgr key restore --file <key backup file> --force), or register again: smgr dw register',
  ),
  DW_EXTRACT_RUNNING: entry(
    EXIT.LOCKED,
    409,
    'Another extract run of data warehouse "{dw}" is in progress.',
    'Wait for it to finish; smgr status shows the last runs.',
  ),
  CHANGE_CURSOR_INVALID: entry(
    1,
    400,
    'The change cursor "{cursor}" is not valid.',
    'Pass the `next` cursor of a previous answer, or none to start from the beginning.',
  ),
  CHANGE_HELD_AHEAD: entry(
    1,
    400,
    'The held position "{held}" is past the cursor "{after}".',
    'Pass as `held` the position up to which you have kept the changes (at or before `after`), or leave it out.',
  ),
  BACKUP_NOT_SUPPORTED: entry(
    1,
    409,
    'Archives of the {part} part are not built yet: {databases} would be left out.',
    "Back up those databases with the database server's tools (pg_dump -Fc each) until they are (docs/RECOVERY.md §9).",
  ),
  // --- end data warehouse
  // --- ops (issue 13): retention, scheduled backups, drills, readiness, metrics
  RETENTION_NOT_CONFIGURED: entry(
    2,
    400,
    'No retention is configured in {path}: prune would not know what to keep.',
    'Set parts["management-server"].backups.retention (keepLast, keepDaily, keepWeekly, keepMonthly) in config.json.',
  ),
  BACKUP_SCHEDULE_INVALID: entry(
    1,
    400,
    'The backup schedule "{schedule}" in {path} is not a cron pattern: {reason}.',
    'Write 5 fields (minute hour day month weekday), or 6 with seconds first, e.g. "0 */6 * * *".',
  ),
  DRILL_FAILED: entry(
    1,
    409,
    'The restore drill of {archive} failed: {reason}.',
    'Run smgr backup verify on it and smgr doctor here; take a new backup (smgr backup create) and drill it (smgr drill).',
  ),
  NO_ARCHIVE: entry(
    1,
    404,
    'There is no archive of management group "{group}" in {directory}.',
    'Run smgr backup create first, or name the archive.',
  ),
  METRICS_UNAUTHORIZED: entry(
    1,
    401,
    'The metrics need a bearer token from a non-loopback address.',
    'Send Authorization: Bearer TOKEN, where the SHA-256 of TOKEN is parts["management-server"].metrics.tokenSha256 (on the data warehouse\'s API: parts["data-warehouse"].metrics.tokenSha256).',
  ),
  // --- end ops
  // --- smgr recover (issue 13 item 1; docs/RECOVERY.md §4a)
  RECOVER_TARGET_NOT_EMPTY: entry(
    1,
    409,
    'The database {url} is not empty, and the plan restores the archive into it.',
    'Point --database at an empty database (or an absent embedded one), or leave out --from to recover with the database as it is.',
  ),
  RECOVER_OTHER_GROUP: entry(
    1,
    409,
    'The key backup file {path} is of management group "{file}"; {source} holds management group "{found}".',
    'Use the key backup file of "{found}", or point --database (or --from) at the database of "{file}".',
  ),
  RECOVER_KEY_NOT_IN_FILE: entry(
    EXIT.KEY,
    409,
    'The key backup file {path} does not hold key {keyId} of management group "{group}", which {source} needs.',
    'Use a key backup file made after that key was created (smgr key backup on a computer that holds it).',
  ),
  RECOVER_KEY_MISMATCH: entry(
    EXIT.KEY,
    409,
    'The key {keyId} in the key backup file {path} does not match its key record in {source}.',
    "Use another copy of this group's key backup file: this one is damaged or was altered.",
  ),
  RECOVER_JOURNAL_MISMATCH: entry(
    1,
    409,
    'This home holds the journal of an interrupted recovery with other inputs ({what}).',
    'Run smgr recover again with the same flags, or remove {path} to start over (nothing it did is undone).',
  ),
  RECOVER_NO_PART: entry(
    1,
    400,
    'The key backup file {path} holds no key of a part smgr recover can recover.',
    'Use the key backup file of the computer to recover (smgr key backup wrote it).',
  ),
  RECOVER_NOT_CONFIRMED: entry(
    2,
    400,
    'The recovery was not confirmed ({reason}); nothing was written.',
    'Check the plan (smgr recover --dry-run), then run it again and confirm, or pass --yes.',
  ),
  INTERNAL: entry(
    1,
    500,
    'An internal error occurred.',
    'Report it with the server log (smgr serve), or for a command its output when run again with SMGR_DEBUG=1.',
  ),
  // --- dw-etl
  DW_JOB_RUNNING: entry(
    EXIT.LOCKED,
    409,
    'Another {job} run of data warehouse "{dw}" is in progress.',
    'Wait for it to finish; smgr status and GET /api/v1/dw/jobs show the runs of every job.',
  ),
  DW_JOB_UNKNOWN: entry(
    2,
    400,
    'There is no data warehouse job "{job}".',
    'Name one of: extract, mpsync, transform, load, maintenance, all.',
  ),
  // --- end dw-etl
  // --- dw-archive: DW archives and restore, grooming of the change feed
  ARCHIVE_OTHER_PART: entry(
    1,
    409,
    'The archive {path} holds the databases of a {found}, not of a {expected}.',
    'Restore it with {command}, or use an archive of the {expected}.',
  ),
  DW_RESTORE_TARGETS_SAME: entry(
    1,
    400,
    'DWStagingAndConfig, DWRepository and DWDataMart need three different databases; {url} is named twice.',
    'Give each database its own URL (--staging-database, --repository-database, --datamart-database).',
  ),
  CHANGES_GROOMED: entry(
    1,
    409,
    'The changes after position {after} were groomed by the management server (it keeps changes from {horizon} on): extracting from there would skip them.',
    'Restore DWStagingAndConfig from an archive newer than the grooming horizon, or rebuild the data warehouse from what ServiceManager still holds (docs/RECOVERY.md §9).',
  ),
  // --- end dw-archive
  // --- dw-reports (issue 11): the DW's reports
  DW_REPORT_UNKNOWN: entry(
    1,
    404,
    'The data warehouse has no report named {name}.',
    'Ask for one of: {allowed} (GET /api/v1/reports lists them).',
  ),
  DW_REPORT_PARAMETER: entry(
    1,
    400,
    'The report parameter {parameter} is not valid: {reason}.',
    'Allowed: {allowed}. docs/DATA-WAREHOUSE.md (Reports) describes every report and its parameters.',
  ),
  // --- end dw-reports
  // --- s3-stream (issue 13: archives streamed to and read from S3-compatible object storage)
  S3_ACCESS_DENIED: entry(
    1,
    403,
    'The object storage at {endpoint} refused access to bucket {bucket} ({reason}); nothing was written.',
    "Check the credentials of the AWS SDK's standard chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the instance role) and the bucket's policy.",
  ),
  S3_BUCKET_NOT_FOUND: entry(
    1,
    404,
    'The bucket {bucket} does not exist at {endpoint}; nothing was written.',
    'Check the bucket name in the s3:// URL (and backups.s3.endpoint or SMGR_S3_ENDPOINT), or create the bucket.',
  ),
  S3_OBJECT_NOT_FOUND: entry(
    1,
    404,
    'There is no archive {url} at {endpoint}.',
    'List the archives of the bucket (smgr backup list --dir s3://BUCKET/PREFIX) and name one of them.',
  ),
  S3_UNREACHABLE: entry(
    1,
    503,
    'The object storage at {endpoint} cannot be reached ({reason}); nothing was written.',
    'Check backups.s3.endpoint (or SMGR_S3_ENDPOINT) and the network, then try again.',
  ),
  S3_REQUEST_FAILED: entry(
    1,
    502,
    'The object storage at {endpoint} refused a request on bucket {bucket} ({reason}); no archive was left behind.',
    'Try again; if it persists, check the service and the bucket (versioning, object lock and quotas).',
  ),
  // --- end s3-stream
  // --- console-admin (issue 14: the console's administrator pages)
  CONSOLE_PROMOTE_STALE: entry(
    1,
    409,
    'The workflow lease changed since the confirmation was shown (fencing token {shown} then, {now} now); nothing was changed.',
    'Open the servers page again, check who holds the lease now, and confirm again.',
  ),
  CONSOLE_PACK_FILE_MISSING: entry(
    2,
    400,
    'No management pack file was sent with the import form.',
    'Choose a pack file (a JSON document, sealed or unsealed) and import it again.',
  ),
  // --- end console-admin
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof errorRegistry;
