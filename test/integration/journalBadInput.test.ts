import { api, tableCounts } from '../support/template/journalTestKit';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * What 3CX (or anything else holding a key) may post to `POST /3cx/journal` that the bridge
 * must refuse: a 400 naming the field, and nothing stored. And what an older PBX sends that
 * the bridge must accept: placeholders for variables it does not know.
 */
let t: TestBridge;
beforeAll(async () => {
  t = await startTestBridge();
});
afterAll(async () => {
  await t.close();
});

const valid = {
  call_type: 'Missed',
  direction: 'Inbound',
  number: '+61412345678',
  agent: '101',
  duration_seconds: '0',
  started_at: '2026-03-02T08:58:00Z',
  ended_at: '2026-03-02T08:58:30Z',
};

async function postJournal(body: unknown, key = t.apiKey) {
  return api(t, key, 'POST', '/3cx/journal', body);
}

describe('a malformed journal entry', () => {
  it.each([
    ['an unknown call type', { ...valid, call_type: 'Voicemail' }, 'call_type'],
    ['no call type', { ...valid, call_type: undefined }, 'call_type'],
    ['no start time', { ...valid, started_at: '' }, 'started_at'],
    [
      'a culture-formatted start ([DateTime])',
      { ...valid, started_at: '3/2/2026 8:58:00 AM' },
      'started_at',
    ],
    ['a start that is no time', { ...valid, started_at: 'yesterday' }, 'started_at'],
    ['an end that is no time', { ...valid, ended_at: '2026-13-45T99:00:00Z' }, 'ended_at'],
    ['a day that does not exist', { ...valid, started_at: '2026-02-30T10:00:00Z' }, 'started_at'],
    [
      'a start in the future (local time sent as UTC)',
      { ...valid, started_at: '2026-03-02T19:28:00Z', ended_at: '' },
      'started_at',
    ],
    ['an end in the future', { ...valid, ended_at: '9999-12-31T23:59:59Z' }, 'ended_at'],
    [
      'a duration that ends in the future',
      { ...valid, ended_at: '', duration_seconds: '86400' },
      'duration_seconds',
    ],
    ['a duration that is no number', { ...valid, duration_seconds: 'long' }, 'duration_seconds'],
    ['a negative duration', { ...valid, duration_seconds: -5 }, 'duration_seconds'],
    ['a direction that is neither', { ...valid, direction: 'Sideways' }, 'direction'],
    ['a number too long to be one', { ...valid, number: '1'.repeat(65) }, 'number'],
    ['a list instead of an object', [valid], 'body'],
  ])('gets 400 naming the field and stores nothing: %s', async (_label, body, field) => {
    const before = tableCounts(t);
    const answer = await postJournal(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('invalid_request');
    expect(answer.body.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(answer.body.message).toContain(field);
    expect(tableCounts(t)).toEqual(before);
  });

  it('gets 400 for a body that is not JSON, 415 for a form, 401 without a key; nothing stored', async () => {
    const before = tableCounts(t);
    const notJson = await fetch(`${t.url}/3cx/journal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' },
      body: '{"call_type": "Missed",',
    });
    expect(notJson.status).toBe(400);
    const form = await fetch(`${t.url}/3cx/journal`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${t.apiKey}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'call_type=Missed',
    });
    expect(form.status).toBe(415);
    expect((await postJournal(valid, '')).status).toBe(401);
    expect((await postJournal(valid, 'cxb_' + 'y'.repeat(43))).status).toBe(401);
    expect(tableCounts(t)).toEqual(before);
  });
});

describe('what an older PBX sends', () => {
  it('accepts placeholders of variables it does not know, and DateTime.MinValue for "never"', async () => {
    const answer = await postJournal({
      ...valid,
      number: '+61400000077',
      direction: '[CallDirection]',
      name: '[Name]',
      agent_first_name: '[AgentFirstName]',
      established_at: '0001-01-01T00:00:00Z',
      ended_at: '[[CallEndTimeUTC].ToString("u")]',
      duration: '00:00:00',
      queue: '',
      contact_id: '',
      unknown_extra: 'ignored',
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'held',
      call_id: expect.stringMatching(/^journal-/),
    });
  });
});
