/**
 * Every `smgr …` command the README and the docs show exists, with every option it is shown with: each
 * command path answers `--help`, and each `--option` is in that help. So a renamed command or flag cannot
 * leave the documentation behind.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';

const DOCS = ['README.md', 'docs/RECOVERY.md', 'docs/ARCHITECTURE.md'];
/** Commands other work adds; checked once they exist. */
const PENDING = new Set<string>([]);

/** `smgr …` in code blocks (comments and line continuations handled) and in inline code spans. */
export function documentedCommands(markdown: string): string[] {
  const found: string[] = [];
  for (const block of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const text = block[1]!.replace(/\\\n\s*/g, ' ');
    for (const line of text.split('\n')) {
      const m = /^\s*(smgr\s.*?)(?:\s+#.*)?$/.exec(line);
      if (m) found.push(m[1]!);
    }
  }
  for (const span of markdown.matchAll(/`(smgr\s[^`]+)`/g)) found.push(span[1]!);
  return found;
}

const home = '/nonexistent/smgr-docs-check';
const helpCache = new Map<string, Promise<string>>();
const help = (path: string[]) => {
  const key = path.join(' ');
  if (!helpCache.has(key)) {
    helpCache.set(
      key,
      runCli([...path, '--help'], { home }).then((r) => {
        assert.equal(r.code, 0, `smgr ${key} --help: ${r.stderr}`);
        return r.stdout;
      }),
    );
  }
  return helpCache.get(key)!;
};
const subcommands = (helpText: string) =>
  new Set([...(helpText.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z][\w-]*)/gm)].map((m) => m[1]!));

test('every smgr command and option in the README and the docs exists', async () => {
  const commands = DOCS.flatMap((doc) =>
    documentedCommands(fs.readFileSync(doc, 'utf8')).map((command) => ({ doc, command })),
  );
  const problems = (await Promise.all(commands.map(({ doc, command }) => check(doc, command)))).flat();
  assert.deepEqual(problems, []);
  assert.ok(commands.length > 30, `only ${commands.length} commands found: is the extraction broken?`);
});

/** The problems of one documented command: none when it and all its options exist. */
async function check(doc: string, command: string): Promise<string[]> {
  const words = command.split(/\s+/).slice(1);
  if (words[0] === '--help' || words[0] === '--version') return [];
  // Global options may come first: skip them and their values.
  while (words[0]?.startsWith('--')) words.splice(0, words[0] === '--json' ? 1 : 2);
  const path: string[] = [];
  let text = await help(path);
  while (words.length && subcommands(text).has(words[0]!)) {
    path.push(words.shift()!);
    text = await help(path);
  }
  if (path.length === 0)
    return words[0] && PENDING.has(words[0]) ? [] : [`${doc}: \`${command}\`: no such command`];
  // A command that has subcommands takes no arguments of its own: a word left over names a missing subcommand.
  if (subcommands(text).size > 0 && words[0] && !words[0].startsWith('-'))
    return [`${doc}: \`${command}\`: smgr ${path.join(' ')} has no subcommand ${words[0]}`];
  return [...words.join(' ').matchAll(/--[a-z][\w-]*/g)]
    .filter((option) => !new RegExp(`(^|[\\s,])${option[0]}\\b`, 'm').test(text))
    .map((option) => `${doc}: \`${command}\`: smgr ${path.join(' ')} has no ${option[0]}`);
}
