/**
 * Submitting a pack's request offering from the portal: answers sent by
 * question id (a date as that day's start, UTC) to the offering's route, and
 * a 400 of the API naming a question shown as that question's error.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestOffering } from './catalog-source.js';
import { ApiError, type ManagementServerClient } from './management-server-client.js';
import { submitOffering } from './offering-submission.js';

const offering: RequestOffering = {
  id: 'a.b.o',
  title: 'O',
  description: '',
  serviceOffering: 's',
  fromPack: true,
  questions: [
    { id: 'a.b.o.cc', label: 'Cost centre', type: 'text', required: true },
    { id: 'a.b.o.when', label: 'When', type: 'date', required: false },
  ],
};

describe('offering submission', () => {
  it("posts the answers to the offering's route", async () => {
    const calls: unknown[] = [];
    const api = {
      call: async (...args: unknown[]) => {
        calls.push(args);
        return { displayId: 'SR7' };
      },
    } as unknown as ManagementServerClient;
    assert.deepEqual(
      await submitOffering(api, 't', offering, { 'a.b.o.cc': 'CC', 'a.b.o.when': '2026-12-24' }),
      {
        displayId: 'SR7',
      },
    );
    assert.deepEqual(calls, [
      [
        'POST',
        '/request-offerings/a.b.o/requests',
        { token: 't', body: { answers: { 'a.b.o.cc': 'CC', 'a.b.o.when': '2026-12-24T00:00:00Z' } } },
      ],
    ]);
  });

  it("shows the API's refusal beside the question it names", async () => {
    const refusing = (message: string) =>
      ({
        call: async () => {
          throw new ApiError(400, 'VALIDATION', message, 'See the schema.');
        },
      }) as unknown as ManagementServerClient;
    const named =
      'The request is not valid: body/answers/a.b.o.cc ("Cost centre"): must be at most 16 characters.';
    assert.deepEqual(await submitOffering(refusing(named), 't', offering, {}), {
      errors: { 'a.b.o.cc': 'Cost centre: must be at most 16 characters.' },
    });
    assert.deepEqual(await submitOffering(refusing('other'), 't', offering, {}), { errors: { '': 'other' } });
  });
});
