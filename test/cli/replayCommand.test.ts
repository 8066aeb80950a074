import { join } from 'node:path';
import { eventsForSettledCall } from '../../lib/callEvent';
import type { CallFacts, SettleResultFacts } from '../../lib/settledCall';
import { runCli } from '../support/runCli';

/**
 * `3cx-bridge replay` on realistic CSV exports of a 3CX V20 PBX in Ireland
 * (test/fixtures/exports: the columns and row shapes of docs/3cx-facts.md §8): two
 * overlapping call-log exports, the abandoned-queue and inbound-calls exports.
 */
const dir = join(__dirname, '..', 'fixtures', 'exports');
const file = (name: string) => join(dir, name);
const ARGS = [
  'replay',
  '--call-log',
  file('call-log-week1.csv'),
  file('call-log-week2.csv'),
  '--abandoned',
  file('abandoned-queue-calls.csv'),
  '--inbound',
  file('inbound-calls.csv'),
  '--country',
  'IE',
  '--timezone',
  'Europe/Dublin',
  '--dn-role',
  '8000=ivr',
];

async function replayJson(args = ARGS): Promise<Map<number, CallFacts>> {
  const run = await runCli([...args, '--json']);
  expect(run.code).toBe(0);
  const result = JSON.parse(run.stdout) as SettleResultFacts;
  expect(Object.keys(result)).toEqual(['settled', 'pending']);
  expect(result.pending).toEqual([]);
  return new Map(result.settled.map((c) => [Number(c.call_id.slice(-2)), c]));
}

const fires = (c: CallFacts) => eventsForSettledCall(c, { includeInternal: false });

describe('3cx-bridge replay', () => {
  let calls: Map<number, CallFacts>;
  beforeAll(async () => {
    calls = await replayJson();
  });

  it('fires call.missed for every inbound call no person answered, withheld callers included', () => {
    const missed = [...calls.entries()].filter(([, c]) => fires(c).includes('call.missed'));
    expect(missed.map(([n]) => n).sort((a, b) => a - b)).toEqual(
      [2, 3, 5, 7, 8, 10, 16, 18, 19, 21, 24, 4].sort((a, b) => a - b),
    );
    // Withheld: `anonymous`, `Anonymous (10000)` (the trunk's DN in brackets), `ANONYMOUS`.
    for (const n of [2, 3, 8]) {
      expect(calls.get(n)).toMatchObject({
        direction: 'inbound',
        caller_number: null,
        caller_anonymous: true,
      });
    }
  });

  it('fires nothing for an answered call, however it was answered', () => {
    for (const n of [1, 6, 9, 11, 17, 20, 23]) {
      expect([n, calls.get(n)!.outcome, fires(calls.get(n)!)]).toEqual([
        n,
        'answered',
        ['call.ended'],
      ]);
    }
    // Parked on Shared Parking (SP1), picked up from there by a colleague.
    expect(calls.get(9)).toMatchObject({ answered_by: '101', agents_rung: ['101', '102'] });
    // An AI voice agent, then a person: answered by the person.
    expect(calls.get(11)).toMatchObject({ answered_by: '101' });
    // The queue's agent leg says Direction Inbound, not Inbound Queue.
    expect(calls.get(20)).toMatchObject({ queue: '800', answered_by: '104' });
  });

  it('reads voicemail calls as voicemail, a message left from 10 s on the box', () => {
    expect(calls.get(3)).toMatchObject({ outcome: 'voicemail', voicemail_left: true });
    // Exactly 10 s on `Voicemail Box (100)`: the threshold counts.
    expect(calls.get(4)).toMatchObject({
      outcome: 'voicemail',
      voicemail_left: true,
      caller_number: '+442079460321',
    });
    expect(calls.get(5)).toMatchObject({ outcome: 'voicemail', voicemail_left: false });
    // 3 s of "talk" on a leg 3CX calls Unanswered is no answer: the call went to voicemail.
    expect(calls.get(18)).toMatchObject({ outcome: 'voicemail', answered_by: null });
  });

  it('makes a queue call missed, with the agents the abandoned-queue export polled', () => {
    expect(calls.get(7)).toMatchObject({
      outcome: 'missed',
      queue: '800',
      agents_rung: ['103', '104'],
      dialed_number: '+35312345601',
    });
    // Abandoned before any agent was polled (0 attempts): abandoned.
    expect(calls.get(8)).toMatchObject({ outcome: 'abandoned', agents_rung: [] });
  });

  it('reads numbers as dialled in the PBX country, and a caller named after voicemail as a caller', () => {
    expect(calls.get(1)!.caller_number).toBe('+353871234567');
    expect(calls.get(5)!.caller_number).toBe('+353861234567');
    expect(calls.get(15)).toMatchObject({ direction: 'outbound', answered_by: '+441619998877' });
    expect(calls.get(21)).toMatchObject({
      direction: 'inbound',
      outcome: 'missed',
      caller_number: '+353871239999',
      caller_name: 'Vodafone Voicemail',
    });
  });

  it('turns PBX-local times into UTC across the change to summer time', () => {
    expect(calls.get(1)!.started_at).toBe('2026-03-02T09:00:00.000Z');
    expect(calls.get(23)!.started_at).toBe('2026-03-30T09:00:00.000Z');
  });

  it('keeps internal and outbound calls out of call.missed; outbound Answered with 0 s talk is no conversation', () => {
    expect(calls.get(12)).toMatchObject({ direction: 'internal' });
    expect(calls.get(13)).toMatchObject({ direction: 'internal', outcome: 'voicemail' });
    expect(calls.get(14)).toMatchObject({ direction: 'outbound', outcome: 'missed' });
    for (const n of [12, 13, 14, 15, 22]) expect(fires(calls.get(n)!)).not.toContain('call.missed');
  });

  it('prints the summary: calls by direction and outcome, what fires, every disagreement, every bad row', async () => {
    const run = await runCli(ARGS);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/call-log-week1\.csv\s+call log\s+33\s+32\s+0\s+1\s+0/);
    expect(out).toMatch(/call-log-week2\.csv\s+call log\s+10\s+4\s+3\s+1\s+2/);
    expect(out).toContain('36 legs, 24 calls settled.');
    expect(out).toMatch(/inbound\s+7\s+5\s+4\s+3\s+19/);
    expect(out).toMatch(/outbound\s+1\s+0\s+1\s+0\s+2/);
    expect(out).toContain(
      'call.missed would fire 12 times (5 voicemail, 4 missed, 3 abandoned); 3 from withheld numbers.',
    );
    expect(out).toContain(
      'Abandoned queue calls given the agents the queue polled: 2 (1 abandoned-queue rows matched no call)',
    );
    expect(out).toContain("Disagreements with 3CX's own statuses: 4");
    expect(out).toContain('3CX: Answered by Main Menu (8000); an IVR, not a person');
    expect(out).toContain('3CX: Answered by Voice Agent; a system entity');
    expect(out).toContain('3CX: Answered by 0876543210; no talk time, so no conversation');
    expect(out).toContain(
      'call-log-week2.csv line 9, column Talking: "1:2:x" is not a duration (HH:MM:SS)',
    );
    expect(out).toContain('call-log-week2.csv line 10, column Call Time: "32/03/2026 10:15:00"');
    expect(out).toContain('1 × Incoming · Unanswered · number → name (dn)   (first: ');
    expect(run.stderr).toContain('2 malformed row(s) were counted and left out');
  });

  it('without --dn-role, names the DNs it took for extensions that never placed a call', async () => {
    const run = await runCli(ARGS.slice(0, -2));
    expect(run.stdout).toMatch(
      /never placed a call[^\n]*\n {2}100 {2}Eoin Doyle[^\n]*\n {2}8000 {2}Main Menu/,
    );
  });

  it('says what is wrong with a file that is not the export it should be', async () => {
    const run = await runCli([
      'replay',
      '--call-log',
      file('abandoned-queue-calls.csv'),
      '--country',
      'IE',
      '--timezone',
      'Europe/Dublin',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/abandoned-queue-calls\.csv: missing columns Call ID, From, To/);
    const zone = await runCli([
      'replay',
      '--call-log',
      file('call-log-week1.csv'),
      '--country',
      'IE',
      '--timezone',
      'Dublin',
    ]);
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('Dublin is not an IANA time zone');
  });

  it('reports progress on stderr for a big export', async () => {
    const header = 'Call Time,Call ID,From,To,Direction,Status,Ringing,Talking';
    const rows = Array.from(
      { length: 20_500 },
      (_, i) =>
        `02/03/2026 09:00:00,call-${i},0871234567,Aoife Byrne (101),Inbound,Answered,00:00:05,00:01:00`,
    );
    const run = await runCli(
      ['replay', '--call-log', '-', '--country', 'IE', '--timezone', 'Europe/Dublin'],
      {},
      [header, ...rows].join('\n'),
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('-: 20,000 rows read');
    expect(run.stdout).toMatch(/inbound\s+20500\s+0\s+0\s+0\s+20500/);
  });
});
