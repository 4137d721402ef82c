/**
 * The server's structured log: pino, JSON lines on stderr. Secrets are
 * redacted by path as a second line of defence; the first is that no code
 * passes a secret to the logger.
 */
import pino, { type Logger } from 'pino';

export function createLogger(level = process.env.SMGR_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: {
        paths: [
          'password',
          '*.password',
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'req.headers',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}
