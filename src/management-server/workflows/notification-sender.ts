/**
 * Where the outbox delivers notifications: a pluggable sender. The default
 * appends one JSON line per notification to a log file in the home
 * (`<home>/notifications.log`, 0600) and fsyncs before the outbox marks
 * them delivered.
 *
 * Delivery is at least once: a crash (or a lost lease) after send() and
 * before the fenced "delivered" mark sends the batch again on the next run.
 * Each line carries the notification id (the idempotency key) and the
 * fencing token of the sending server, so a reader can drop duplicates and
 * lines from a holder that had already been fenced.
 */
import fs from 'node:fs/promises';

export interface Notification {
  id: number;
  workItemId: number;
  event: string;
  payload: Record<string, unknown>;
  createdAt: string;
}

export interface NotificationSender {
  /** Delivers the whole batch or throws; never partially acknowledged. */
  send(batch: readonly Notification[], from: { holder: string; token: number }): Promise<void>;
}

export function fileSender(file: string): NotificationSender {
  return {
    async send(batch, from) {
      const at = new Date().toISOString();
      const text = batch
        .map((n) => JSON.stringify({ ...n, deliveredBy: from.holder, token: from.token, at }))
        .join('\n');
      const handle = await fs.open(file, 'a', 0o600);
      try {
        await handle.appendFile(`${text}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
  };
}
