/**
 * smgr mp through the built CLI on the embedded engine: the doc's example
 * imported, listed, shown, exported and re-imported; keygen and seal; a
 * sealed pack with one byte changed refused; a sealed upgrade that lowers the
 * version and removes a property refused with both violations listed and
 * nothing written; a compatible sealed upgrade accepted; a sealed pack not
 * replaced by an unsealed one. Then recovery from nothing: a backup of the
 * group carries the unsealed packs as packs/<id>.json; a new group (new
 * home, new database) gets them back with `mp import --from-archive` and
 * the key backup file, and its catalog and lists are back.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { jsonOut, runCli } from '../support/cli.js';
import { tempDir } from '../support/engines.js';
import { docExampleText } from '../support/pack-example.js';
import { dumpDatabaseAt } from '../support/snapshot.js';

describe('smgr mp (embedded)', () => {
  const root = tempDir('smgr-mp-');
  const home = path.join(root, 'home');
  const env = { home, computerName: 'ms01' };
  const file = (name: string, text: string) => {
    const p = path.join(root, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const db = `pglite:${path.join(home, 'databases', 'ServiceManager')}`;
  const cli = async (args: string[], e = env) => {
    const r = await runCli([...args, '--json'], e);
    return { ...r, json: r.stdout.trim() ? jsonOut(r.stdout) : undefined };
  };
  const ok = async (args: string[], e = env) => {
    const r = await cli(args, e);
    assert.equal(r.code, 0, `smgr ${args.join(' ')}: ${r.stdout} ${r.stderr}`);
    return r.json;
  };
  const setup = (e: typeof env, url: string, group: string) =>
    ok(
      [
        'setup',
        'management-server',
        '--new-database',
        '--management-group',
        group,
        '--database',
        url,
        '--admin-user',
        'admin',
        '--admin-password-file',
        file('admin.pw', 'admin-pass-91f3aa\n'),
      ],
      e,
    );
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test("import the doc's example, list, show, export, import the export again", async () => {
    await setup(env, db, 'Contoso');
    const example = file('example.json', docExampleText());
    const imported = await ok(['mp', 'import', example]);
    assert.deepEqual(imported.imported, [
      {
        id: 'contoso.servicedesk',
        version: '1.0.0.0',
        sealed: false,
        keyFingerprint: null,
        outcome: 'imported',
      },
    ]);
    const list = await ok(['mp', 'list']);
    assert.deepEqual(
      list.packs.map((p: { id: string; sealed: boolean; importedBy: string }) => [
        p.id,
        p.sealed,
        p.importedBy,
      ]),
      [
        ['contoso.servicedesk', false, 'cli@ms01'],
        ['smgr.configitems', true, 'setup@ms01'],
        ['smgr.workitems', true, 'setup@ms01'],
      ],
      'setup imported the built-in sealed packs',
    );
    const show = await ok(['mp', 'show', 'contoso.servicedesk']);
    assert.deepEqual(show.document, JSON.parse(docExampleText()));
    const human = await runCli(['mp', 'show', 'contoso.servicedesk'], env);
    assert.match(human.stdout, /contoso\.servicedesk 1\.0\.0\.0: Contoso service desk/);
    const out = path.join(root, 'export');
    const exported = await ok(['mp', 'export', '--unsealed', '--to', out]);
    assert.deepEqual(exported.files, [path.join(out, 'contoso.servicedesk.json')]);
    const again = await ok(['mp', 'import', path.join(out, 'contoso.servicedesk.json')]);
    assert.equal(again.imported[0].outcome, 'unchanged');
    const exists = await cli(['mp', 'export', 'contoso.servicedesk', '--to', out]);
    assert.equal(exists.code, 1);
    assert.equal(exists.json.error, 'FILE_EXISTS');
    const builtIn = await cli(['mp', 'remove', 'smgr.workitems']);
    assert.equal(builtIn.json.error, 'PACK_BUILT_IN');
    assert.deepEqual(await ok(['mp', 'remove', 'contoso.servicedesk']), {
      ok: true,
      id: 'contoso.servicedesk',
      removed: true,
    });
    const ids = (r: { packs: Array<{ id: string }> }) => r.packs.map((p) => p.id);
    assert.ok(!ids(await ok(['mp', 'list'])).includes('contoso.servicedesk'));
    assert.ok(ids(await ok(['mp', 'list', '--all'])).includes('contoso.servicedesk'));
    const back = await ok(['mp', 'import', example]);
    assert.equal(back.imported[0].outcome, 'restored');
  });

  test('sealed packs: keygen, seal, import; a changed byte, an incompatible upgrade and an unsealed replacement refused', async () => {
    const key = path.join(root, 'vendor.pem');
    await ok(['mp', 'keygen', '--out', key]);
    assert.equal(fs.statSync(key).mode & 0o777, 0o600);
    const v1 = JSON.parse(docExampleText());
    v1.id = 'fabrikam.assets';
    const retag = (v: unknown): unknown =>
      JSON.parse(JSON.stringify(v).replaceAll('contoso.servicedesk', 'fabrikam.assets'));
    // biome-ignore lint/suspicious/noExplicitAny: the pack is mutated freely
    const pack1 = retag(v1) as Record<string, any>;
    const sealedFile = (
      await ok(['mp', 'seal', '--key', key, file('fabrikam-1.json', JSON.stringify(pack1))])
    ).file;
    const r1 = await ok(['mp', 'import', sealedFile]);
    assert.equal(r1.imported[0].sealed, true);
    assert.match(r1.imported[0].keyFingerprint, /^sha256:[0-9a-f]{64}$/);

    const before = await dumpDatabaseAt(db);
    // One byte changed: "Sites" → "Sitez".
    const text = fs.readFileSync(sealedFile, 'utf8');
    const i = text.indexOf('"Sites"') + 5;
    const changed = await cli([
      'mp',
      'import',
      file('changed.json', `${text.slice(0, i)}z${text.slice(i + 1)}`),
    ]);
    assert.equal(changed.code, 1, changed.stdout);
    assert.equal(changed.json.error, 'PACK_SIGNATURE_INVALID');

    const bad = structuredClone(pack1);
    bad.version = '0.9.0.0';
    bad.classExtensions[0].properties.splice(2, 1); // users-affected
    bad.views = [];
    bad.enumerations[0].items[0].items.pop(); // lyon
    const badSealed = (await ok(['mp', 'seal', '--key', key, file('fabrikam-bad.json', JSON.stringify(bad))]))
      .file;
    const refused = await cli(['mp', 'import', badSealed]);
    assert.equal(refused.code, 1, refused.stdout);
    assert.equal(refused.json.error, 'PACK_INCOMPATIBLE');
    assert.match(refused.json.message, /0\.9\.0\.0 is not higher than the imported 1\.0\.0\.0/);
    assert.match(refused.json.message, /property fabrikam\.assets\.users-affected was removed/);
    assert.match(refused.json.message, /list item fabrikam\.assets\.sites\.lyon was removed/);

    const otherKey = path.join(root, 'other.pem');
    await ok(['mp', 'keygen', '--out', otherKey]);
    const v2 = structuredClone(pack1);
    v2.version = '1.1.0.0';
    const otherSealed = (
      await ok(['mp', 'seal', '--key', otherKey, file('fabrikam-other.json', JSON.stringify(v2))])
    ).file;
    const wrongKey = await cli(['mp', 'import', otherSealed]);
    assert.equal(wrongKey.json.error, 'PACK_INCOMPATIBLE');
    assert.match(wrongKey.json.message, /signed by key sha256:/);

    const unsealed = await cli(['mp', 'import', file('fabrikam-unsealed.json', JSON.stringify(v2))]);
    assert.equal(unsealed.json.error, 'PACK_SEALED');
    const badKey = await cli([
      'mp',
      'seal',
      '--key',
      file('not-a-key.pem', 'nope'),
      file('p.json', JSON.stringify(v2)),
    ]);
    assert.equal(badKey.json.error, 'PACK_KEY_INVALID');
    assert.equal(await dumpDatabaseAt(db), before, 'the refusals changed nothing');

    const upgraded = await ok([
      'mp',
      'import',
      (await ok(['mp', 'seal', '--key', key, file('fabrikam-2.json', JSON.stringify(v2))])).file,
    ]);
    assert.equal(upgraded.imported[0].outcome, 'upgraded');
    const exported = await ok(['mp', 'export', 'fabrikam.assets', '--to', path.join(root, 'sealed-export')]);
    const back = JSON.parse(fs.readFileSync(exported.files[0], 'utf8'));
    assert.equal(back.seal.algorithm, 'ed25519');
    assert.equal((await ok(['mp', 'import', exported.files[0]])).imported[0].outcome, 'unchanged');
  });

  test('rebuilt from nothing: a new group imports the unsealed packs of the lost group’s archive', async () => {
    const pass = file('pass', 'key backup passphrase 12\n');
    await ok(['key', 'backup', '--file', path.join(root, 'keys.age'), '--password-file', pass]);
    const backup = await ok(['backup', 'create', '--to', path.join(root, 'backups')]);
    const archive = backup.archives[0].file as string;

    const newEnv = { home: path.join(root, 'home2'), computerName: 'ms02' };
    const newDb = `pglite:${path.join(newEnv.home, 'databases', 'ServiceManager')}`;
    await setup(newEnv, newDb, 'Contoso2');
    const before = await dumpDatabaseAt(newDb);
    const noKey = await cli(['mp', 'import', '--from-archive', archive], newEnv);
    assert.notEqual(noKey.code, 0, noKey.stdout);
    assert.equal(await dumpDatabaseAt(newDb), before, 'a refused archive import changed nothing');

    const r = await ok(
      [
        'mp',
        'import',
        '--from-archive',
        archive,
        '--key-file',
        path.join(root, 'keys.age'),
        '--password-file',
        pass,
      ],
      newEnv,
    );
    assert.deepEqual(
      r.imported.map((i: { id: string; outcome: string }) => [i.id, i.outcome]),
      [['contoso.servicedesk', 'imported']],
      'the unsealed packs only',
    );
    const show = await ok(['mp', 'show', 'contoso.servicedesk'], newEnv);
    assert.deepEqual(show.document, JSON.parse(docExampleText()));
  });
});
