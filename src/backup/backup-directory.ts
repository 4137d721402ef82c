/**
 * Where archives go when no directory is given: config `backup.directory`
 * (relative to the home), else <home>/backups. The one place that decides it,
 * for `backup create`, `backup list`, `prune`, `drill` and scheduled backups.
 */
import path from 'node:path';
import type { HomePaths } from '../computer/home.js';
import type { SmgrConfig } from '../config/config-schema.js';

export function defaultBackupDirectory(home: HomePaths, config: SmgrConfig | undefined): string {
  return path.resolve(home.root, config?.backup?.directory ?? home.backups);
}
