/** smgr status: every installed part's status (ARCHITECTURE §5), read-only. */
import { Type } from 'typebox';
import type { PartStatus } from '../parts/part.js';
import { defineOperation } from './operation.js';

export interface StatusReport {
  computerName: string;
  /** Each part's generic fields with its own details beside them (lease, jobs, …). */
  parts: Array<Omit<PartStatus, 'details'> & Record<string, unknown>>;
  warnings: string[];
}

export const statusOperation = defineOperation({
  name: 'status',
  input: Type.Object({}, { additionalProperties: false }),
  async run(inst): Promise<StatusReport> {
    const parts = [];
    for (const p of inst.parts) {
      const { details, ...generic } = await p.status();
      parts.push({ ...generic, ...details });
    }
    return { computerName: inst.computerName, parts, warnings: parts.flatMap((p) => p.warnings) };
  },
});
