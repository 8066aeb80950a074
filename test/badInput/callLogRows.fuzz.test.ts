import fc from 'fast-check';
import type { CallEvent } from '../../lib/callEvent';
import { settleCalls } from '../../lib/settleCalls';
import { createThreecxTransport } from '../../bridge/threecx/threecxTransport';
import type { CallLeg } from '../../lib/threecx/callLeg';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import { validateCallLegs } from '../../lib/threecx/validateCallLegs';
import { startSimulator, type Simulator } from '../../sim';
import { api, subscribe } from '../support/bridgeApi';
import { startReceiver } from '../support/receiver';
import { startTestBridge } from '../support/testBridge';

/**
 * Call-log rows are input too: a PBX update, a proxy or a broken serialiser can send a field
 * with the wrong type. Such a row is skipped and counted; it never throws inside the settle
 * engine, because a throwing row would fail every poll of its window and stall the location.
 */
const oddValue = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom({}, [], [1, 2], { toString: null }, { value: 'x' }, '', 'PT', 'null'),
);

describe('call-log rows of the wrong shape', () => {
  let sim: Simulator;
  let rows: CallLeg[];
  let now: number;
  beforeAll(async () => {
    sim = await startSimulator();
    const scripts = [
      { kind: 'queue', result: 'voicemail', messageSeconds: 20, caller: '+61412345678' },
      { kind: 'ivr', then: { kind: 'ringGroup', result: 'answered' } },
      { kind: 'transfer', extension: '101', to: '102', result: 'voicemail', messageSeconds: 12 },
      { kind: 'outbound', from: '103', number: '+61299990000', result: 'answered' },
    ];
    const calls = scripts.map((script) => {
      const call = sim.pbx.placeCall(script);
      sim.clock.advance(1);
      return call;
    });
    now = Math.max(...calls.map((c) => c.endedAt)) + 60_000;
    sim.clock.set(now);
    rows = sim.pbx.callLog(calls[0].startedAt - 1000, now);
  });
  afterAll(() => sim.close());

  it('are skipped with a reason, and the settle engine never throws on what is kept', () => {
    const fields = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            row: fc.nat({ max: rows.length - 1 }),
            field: fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })),
            value: oddValue,
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (mutations) => {
          const mutated: unknown[] = rows.map((r) => ({ ...r }));
          for (const m of mutations) (mutated[m.row] as Record<string, unknown>)[m.field] = m.value;
          const { legs, problems } = validateCallLegs(mutated);
          expect(legs.length + problems.length).toBe(rows.length);
          for (const p of problems) expect(p.message).toEqual(expect.any(String));
          const result = settleCalls(legs, {
            now,
            activeCallIds: [],
            dialedNumbers: new Map(),
            country: 'AU',
          });
          for (const call of result.settled) {
            expect(typeof call.call_id).toBe('string');
            expect(['answered', 'voicemail', 'abandoned', 'missed']).toContain(call.outcome);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('do not stall the poller: the other calls of the window still come out', async () => {
    const poison = (rows: unknown) => {
      const value = (rows as { value?: Array<Record<string, unknown>> }).value;
      for (const row of value ?? [])
        if (row.SourceCallerId === '+61400000666') row.DestinationDisplayName = 101; // not text
    };
    const t = await startTestBridge({
      bridge: {
        transportFor: (): HttpTransport => {
          const real = createThreecxTransport();
          return {
            async request(request) {
              const response = await real.request(request);
              if (request.url.includes('GetCallLogData')) poison(response.body);
              return response;
            },
          };
        },
      },
    });
    const receiver = await startReceiver();
    try {
      await subscribe(t, receiver.url, 'call.missed');
      await t.tick();
      const bad = t.sim.pbx.placeCall({
        kind: 'direct',
        extension: '101',
        result: 'hangup',
        caller: '+61400000666',
      });
      const good = t.sim.pbx.placeCall({
        kind: 'direct',
        extension: '102',
        result: 'voicemail',
        messageSeconds: 15,
        caller: '+61400000777',
      });
      while (t.sim.clock.now() < Math.max(bad.endedAt, good.endedAt) + 30_000) await t.advance(5);
      const ids = receiver.received.map((r) => (r.json as CallEvent).id);
      expect(ids).toContain(`${good.callHistoryId}:call.missed`);
      const status = await api(t.url, t.apiKey, 'GET', '/v1/status');
      expect(status.body.poll).toMatchObject({ consecutive_errors: 0, last_error: null });
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
