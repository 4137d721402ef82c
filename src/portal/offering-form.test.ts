import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtInCatalog } from './built-in-catalog.js';
import { checkOfferingForm, describeAnswers } from './offering-form.js';

describe('request offering form', async () => {
  const catalog = await builtInCatalog.catalog('');
  const laptop = catalog.requestOfferings.find((o) => o.id === 'new-laptop')!;
  const software = catalog.requestOfferings.find((o) => o.id === 'software-install')!;

  it('types the answers of a valid form and describes them', () => {
    const r = checkOfferingForm(laptop, {
      q_model: 'Developer 16"',
      q_neededBy: '2026-12-24',
      q_replacement: 'no',
      q_notes: '  ',
      extra: 'ignored',
    });
    assert.deepEqual(r.errors, {});
    assert.deepEqual(r.answers, { model: 'Developer 16"', neededBy: '2026-12-24', replacement: false });
    assert.equal(
      describeAnswers(laptop, r.answers),
      'Model: Developer 16"\nNeeded by: 2026-12-24\nDoes it replace a laptop?: no',
    );
  });

  it('names each wrong or missing answer', () => {
    const r = checkOfferingForm(laptop, {
      q_model: 'Gaming rig',
      q_neededBy: '2026-02-30',
      q_replacement: 'maybe',
    });
    assert.deepEqual(Object.keys(r.errors).sort(), ['model', 'neededBy', 'replacement']);
    const s = checkOfferingForm(software, { q_software: 'x'.repeat(201), q_seats: '51' });
    assert.match(s.errors.software ?? '', /longer than 200/);
    assert.match(s.errors.seats ?? '', /at most 50/);
    assert.match(
      checkOfferingForm(software, { q_software: 'a', q_seats: '1.5' }).errors.seats ?? '',
      /whole/,
    );
    assert.match(checkOfferingForm(software, {}).errors.software ?? '', /required/);
  });

  it('takes a decimal where the question allows one', () => {
    const budget = {
      id: 'a.b.o',
      title: 'O',
      description: '',
      serviceOffering: 's',
      questions: [
        { id: 'b', label: 'Budget', type: 'number' as const, required: true, min: 0, decimal: true },
      ],
    };
    assert.deepEqual(checkOfferingForm(budget, { q_b: '1250.50' }).answers, { b: 1250.5 });
    assert.match(checkOfferingForm(budget, { q_b: '12,5' }).errors.b ?? '', /must be a number/);
    assert.match(checkOfferingForm(budget, { q_b: '-1' }).errors.b ?? '', /at least 0/);
  });
});
