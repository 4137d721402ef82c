/**
 * Where a benchmark writes its report: `<dir>/<base>.md`, or, when a report
 * of that name is already there (an earlier run the same day, perhaps
 * committed), `<base>-2.md`, `<base>-3.md`…: a run never overwrites another
 * run's figures.
 */
import fs from 'node:fs';
import path from 'node:path';

export function resultsFile(dir: string, base: string): string {
  fs.mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n++) {
    const file = path.resolve(dir, `${base}${n === 1 ? '' : `-${n}`}.md`);
    if (!fs.existsSync(file)) return file;
  }
}
