/**
 * The S3 endpoint settings a command reads archives with, from this home's
 * config; in a file of its own so a command that restores a local archive
 * does not load the S3 SDK (src/backup/s3-url.ts says what that costs).
 */
import type { S3Settings } from '../../backup/s3-url.js';
import { readConfig } from '../../config/config-file.js';

/** The endpoint settings of config backups.s3 (the management server's, else the DW's), when this home has them. */
export function s3SettingsOf(home: Parameters<typeof readConfig>[0]): S3Settings | undefined {
  try {
    const parts = readConfig(home)?.parts;
    return parts?.['management-server']?.backups?.s3 ?? parts?.['data-warehouse']?.backups?.s3;
  } catch {
    return undefined;
  }
}
