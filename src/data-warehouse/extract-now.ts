/**
 * `smgr dw run extract`: one extract run now. In the running server (the
 * admin channel hands it the server's opened part) it is the server's own
 * runner, so it never overlaps a scheduled run; in the CLI's own process
 * (no server running from this home) the same job runs there.
 */
import type { Progress } from '../backup/progress.js';
import { SmgrError } from '../errors/smgr-error.js';
import { unlockKey } from '../keys/unlock-key.js';
import type { OpenedDataWarehouse } from './data-warehouse-part.js';
import { requireDwGroup } from './dw-group.js';
import { dwRuntimeOf } from './dw-serve.js';
import { openCredential, readSourceGroup } from './dw-source.js';
import { type ExtractResult, runExtract } from './extract-job.js';
import { extractSettings } from './extract-settings.js';
import { signInToSource } from './source-client.js';

export async function extractNow(dw: OpenedDataWarehouse, progress: Progress): Promise<ExtractResult> {
  const runtime = dwRuntimeOf(dw);
  if (runtime) return runtime.extractNow();
  const group = await requireDwGroup(dw.staging);
  const sealer = await unlockKey(dw.staging, dw.storage, dw.config.keyId, group.name);
  const source = await readSourceGroup(dw.staging);
  if (!source) throw new SmgrError('DW_NOT_REGISTERED', { dw: group.name });
  return runExtract({
    staging: dw.staging,
    dwName: group.name,
    source,
    connect: () => signInToSource(source.url, source.username, openCredential(sealer, source)),
    runner: `${dw.computerName}:${process.pid}`,
    batchSize: extractSettings(dw.config).batchSize,
    progress,
  });
}
