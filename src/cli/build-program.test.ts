/** The program loads the invoked command only, and every command still when none is named. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildProgram, commandWord } from './build-program.js';

const ALL = [
  'start',
  'setup',
  'serve',
  'status',
  'doctor',
  'key',
  'promote',
  'user',
  'backup',
  'restore',
  'recover',
  'home',
  'mp',
  'dw',
  'drill',
];

const names = async (args: string[]) => (await buildProgram(args)).commands.map((c) => c.name());

test('the command word comes after the global options, whose values are not commands', () => {
  assert.equal(commandWord(['restore', 'database']), 'restore');
  assert.equal(commandWord(['--home', 'status', '--computer-name', 'key', '--json', 'doctor']), 'doctor');
  assert.equal(commandWord(['--home=/x', '-h']), undefined);
  assert.equal(commandWord([]), undefined);
});

test('every command is listed under the name its module registers, in help order', async () => {
  assert.deepEqual(await names([]), ALL);
  assert.deepEqual(await names(['--help']), ALL);
  for (const name of ALL) assert.deepEqual(await names(['--json', name, '--help']), [name]);
});

test('a typo or `help` loads every command (commander suggests and helps); --version alone loads none', async () => {
  assert.deepEqual(await names(['restor']), ALL);
  assert.deepEqual(await names(['help', 'restore']), ALL);
  assert.deepEqual(await names(['--version']), []);
  assert.deepEqual(await names(['restore', '--version']), ['restore']);
});
