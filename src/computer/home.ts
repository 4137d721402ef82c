/**
 * The home of this computer's smgr state (ARCHITECTURE §1):
 *   <home>/config.json, <home>/secure-storage/, <home>/databases/, <home>/backups/
 * Chosen by --home, then SMGR_HOME, then /var/lib/smgr for root or the user's
 * XDG data directory.
 */
import os from 'node:os';
import path from 'node:path';

export interface HomePaths {
  root: string;
  config: string;
  secureStorage: string;
  databases: string;
  backups: string;
  /** Unix socket of the running server's admin channel. */
  adminSocket: string;
  /** Pid file of the running server. */
  serverPid: string;
}

export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.SMGR_HOME) return path.resolve(env.SMGR_HOME);
  if (process.getuid?.() === 0) return '/var/lib/smgr';
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'smgr');
}

export function homePaths(root: string): HomePaths {
  return {
    root,
    config: path.join(root, 'config.json'),
    secureStorage: path.join(root, 'secure-storage'),
    databases: path.join(root, 'databases'),
    backups: path.join(root, 'backups'),
    adminSocket: path.join(root, 'admin.sock'),
    serverPid: path.join(root, 'server.pid'),
  };
}

export function defaultDatabaseUrl(home: HomePaths, name = 'ServiceManager'): string {
  return `pglite:${path.join(home.databases, name)}`;
}
