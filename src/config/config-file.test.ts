/** config.json: format 2 checked key by key; format 1 (smgr 0.1) read, upgraded and rewritten atomically. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../../test/support/engines.js';
import { homePaths } from '../computer/home.js';
import { isSmgrError } from '../errors/smgr-error.js';
import { readConfig } from './config-file.js';

const FIXTURE = path.resolve('test/fixtures/release-0.1/home/config.json');
const root = tempDir('smgr-config-');
after(() => fs.rmSync(root, { recursive: true, force: true }));

let n = 0;
function homeWith(content: unknown) {
  const home = homePaths(path.join(root, `h${n++}`));
  fs.mkdirSync(home.root, { recursive: true });
  fs.writeFileSync(home.config, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return home;
}

const invalid = (re: RegExp) => (e: unknown) =>
  isSmgrError(e) && e.code === 'CONFIG_INVALID' && re.test(e.message);

describe('config.json format 1 (smgr 0.1)', () => {
  test('the file 0.1 wrote is read as format 2 and rewritten so; the old file is kept beside it', () => {
    const original = fs.readFileSync(FIXTURE, 'utf8');
    const home = homeWith(original);
    const c = readConfig(home)!;
    const v1 = JSON.parse(original);
    assert.deepEqual(c, {
      format: 2,
      computerName: 'ms01',
      parts: { 'management-server': { managementGroup: v1.managementGroup, ...v1.managementServer } },
    });
    assert.deepEqual(JSON.parse(fs.readFileSync(home.config, 'utf8')), c, 'rewritten as format 2');
    assert.equal(fs.readFileSync(`${home.config}.format-1`, 'utf8'), original, 'the old file kept');
    assert.deepEqual(readConfig(home), c, 'read again: the same');
    assert.deepEqual(
      fs.readdirSync(home.root).filter((f) => f.startsWith('.tmp-')),
      [],
      'no temporary file left',
    );
  });

  test('settings 0.1 read at the top level move into the management server entry', () => {
    const v1 = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
    const home = homeWith({ ...v1, workflowFailover: 'automatic', workflows: { outbox: { batchSize: 5 } } });
    const ms = readConfig(home)!.parts['management-server']!;
    assert.equal(ms.workflowFailover, 'automatic');
    assert.deepEqual(ms.workflows, { outbox: { batchSize: 5 } });
  });

  test('a misspelt key in a format-1 file is refused by name, and the file is left as it was', () => {
    const v1 = JSON.parse(fs.readFileSync(FIXTURE, 'utf8'));
    v1.managementServer.listn = '0.0.0.0:1';
    const home = homeWith(v1);
    const before = fs.readFileSync(home.config, 'utf8');
    assert.throws(() => readConfig(home), invalid(/\/parts\/management-server\/listn: unknown key/));
    assert.equal(fs.readFileSync(home.config, 'utf8'), before);
    assert.equal(fs.existsSync(`${home.config}.format-1`), false);
  });

  test('a home that cannot be written is upgraded in memory only', { skip: process.getuid?.() === 0 }, () => {
    const home = homeWith(fs.readFileSync(FIXTURE, 'utf8'));
    fs.chmodSync(home.root, 0o500);
    try {
      assert.equal(readConfig(home)!.format, 2);
      assert.equal(JSON.parse(fs.readFileSync(home.config, 'utf8')).format, 1);
    } finally {
      fs.chmodSync(home.root, 0o700);
    }
  });
});

describe('config.json format 2', () => {
  const good = {
    format: 2,
    computerName: 'ms01',
    parts: {
      'management-server': {
        managementGroup: { id: 'g', name: 'G' },
        database: 'pglite:/x',
        keyId: 'mg-1',
        listen: '127.0.0.1:8420',
      },
    },
  };

  test('a valid file is read as it is', () => {
    assert.deepEqual(readConfig(homeWith(good)), good);
  });

  test('every misspelt or unknown key is refused with its JSON path', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, computerNmae: 'x' }, /\/computerNmae: unknown key/],
      [{ ...good, parts: { 'managment-server': {} } }, /\/parts\/managment-server: unknown key/],
      [
        {
          ...good,
          parts: { 'management-server': { ...good.parts['management-server'], workflowLeaseSecs: 5 } },
        },
        /\/parts\/management-server\/workflowLeaseSecs: unknown key/,
      ],
      [
        {
          ...good,
          parts: {
            'management-server': {
              ...good.parts['management-server'],
              workflows: { sla: { intervalSecond: 1 } },
            },
          },
        },
        /\/parts\/management-server\/workflows\/sla\/intervalSecond: unknown key/,
      ],
      [
        {
          ...good,
          parts: { 'management-server': { ...good.parts['management-server'], workflowFailover: 'auto' } },
        },
        /\/parts\/management-server\/workflowFailover: must be one of "manual", "automatic"/,
      ],
      [{ ...good, backup: { extraRecipients: ['nope'] } }, /\/backup\/extraRecipients\/0/],
      [
        {
          ...good,
          parts: {
            'management-server': {
              ...good.parts['management-server'],
              limits: { http: { trustedProxy: ['x'] } },
            },
          },
        },
        /\/parts\/management-server\/limits\/http\/trustedProxy: unknown key/,
      ],
      [
        { ...good, parts: { 'management-server': { database: 'x' } } },
        /\/parts\/management-server\/managementGroup: missing/,
      ],
      ['{ not json', /not JSON/],
      [{ ...good, format: 3 }, /format 3 is newer than this smgr reads/],
    ];
    for (const [content, re] of cases) {
      assert.throws(() => readConfig(homeWith(content)), invalid(re), String(re));
    }
  });

  test('a home without config.json has nothing installed', () => {
    assert.equal(readConfig(homePaths(path.join(root, 'empty'))), undefined);
  });
});
