import { fastVerdict } from '../../bridge/callcontrol/fastSettle';
import { StreamCallTracker, type TrackedCall } from '../../bridge/callcontrol/streamCallTracker';
import type { StreamParticipant } from '../../bridge/callcontrol/streamParticipant';

/**
 * The stream's view of calls and the fast-settle rule, without a network: timers and the clock
 * are fakes, participants are what a GET would return (docs/3cx-facts.md §2.1).
 */
const TYPES = new Map([
  ['101', 'Wextension'],
  ['102', 'Wextension'],
  ['8001', 'Wqueue'],
  ['10000', 'Wexternalline'],
  ['666', 'Wspecialmenu'],
]);

function participant(
  over: Partial<StreamParticipant> & { id: number; dn: string },
): StreamParticipant {
  return {
    status: 'Ringing',
    callid: 7,
    legid: 1,
    party_caller_name: 'Jane',
    party_dn: '10000',
    party_caller_id: '+61412345678',
    party_did: '',
    party_dn_type: 'Wexternalline',
    device_id: '',
    originated_by_dn: '10000',
    originated_by_type: 'Wexternalline',
    referred_by_dn: '',
    referred_by_type: 'None',
    on_behalf_of_dn: '',
    on_behalf_of_type: 'None',
    ...over,
  };
}

function tracker() {
  let now = 1_000;
  const timers: Array<{ fn: () => void; at: number }> = [];
  const started: TrackedCall[] = [];
  const quiet: TrackedCall[] = [];
  const t = new StreamCallTracker({
    now: () => now,
    quietMs: () => 1500,
    onStarted: (c) => started.push(c),
    onQuiet: (c) => quiet.push(c),
    setTimer: (fn, ms) => {
      const timer = { fn, at: now + ms };
      timers.push(timer);
      return timer;
    },
    clearTimer: (h) => timers.splice(timers.indexOf(h as (typeof timers)[number]), 1),
  });
  t.setDnTypes(TYPES);
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.filter((x) => x.at <= now)) {
      timers.splice(timers.indexOf(timer), 1);
      timer.fn();
    }
  };
  return { t, started, quiet, advance, at: () => now };
}

describe('the stream call tracker and the fast-settle rule', () => {
  it('fires call.started once, at the first ring of a monitored extension', () => {
    const { t, started, at } = tracker();
    t.upsert(participant({ id: 1, dn: '8001', status: 'Connected' }), at());
    expect(started).toHaveLength(0);
    t.upsert(participant({ id: 2, dn: '101' }), at());
    t.upsert(participant({ id: 2, dn: '101' }), at()); // a repeated upsert
    t.upsert(participant({ id: 3, dn: '102' }), at());
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ agentsRung: ['101', '102'], queue: '8001', inbound: true });
  });

  it('one remove is not the end: a sibling device still rings', () => {
    const { t, quiet, advance, at } = tracker();
    t.upsert(participant({ id: 1, dn: '101', device_id: 'desk' }), at());
    t.upsert(participant({ id: 2, dn: '101', device_id: 'app' }), at());
    t.remove('101', 2, at(), true);
    advance(5000);
    expect(quiet).toHaveLength(0);
    t.remove('101', 1, at(), true);
    advance(1499);
    expect(quiet).toHaveLength(0);
    advance(1);
    expect(quiet).toHaveLength(1);
    expect(fastVerdict(quiet[0])).toBe('check');
  });

  it('a re-ring within the quiet time (a transfer, the next wave) cancels it', () => {
    const { t, quiet, advance, at } = tracker();
    t.upsert(participant({ id: 1, dn: '101' }), at());
    t.remove('101', 1, at(), true);
    advance(1000);
    t.upsert(participant({ id: 2, dn: '102' }), at());
    advance(5000);
    expect(quiet).toHaveLength(0);
  });

  it('the verdicts: answered, voicemail and a gap go to the call log; a trunk removal is proof', () => {
    const answered = tracker();
    answered.t.upsert(participant({ id: 1, dn: '101' }), 0);
    answered.t.upsert(participant({ id: 1, dn: '101', status: 'Connected' }), 0);
    answered.t.remove('101', 1, 0, true);
    answered.advance(2000);
    expect(fastVerdict(answered.quiet[0])).toBe('log');

    const voicemail = tracker();
    voicemail.t.upsert(participant({ id: 1, dn: '101' }), 0);
    voicemail.t.upsert(
      participant({ id: 2, dn: '10000', party_dn: '666', party_dn_type: 'Wspecialmenu' }),
      0,
    );
    voicemail.t.remove('101', 1, 0, true);
    voicemail.t.remove('10000', 2, 0, true);
    voicemail.advance(2000);
    expect(fastVerdict(voicemail.quiet[0])).toBe('log');

    const gap = tracker();
    gap.t.upsert(participant({ id: 1, dn: '101' }), 0);
    gap.t.reconcile([], 0, false); // the snapshot after a reconnect no longer has it
    gap.advance(2000);
    expect(fastVerdict(gap.quiet[0])).toBe('log');

    const hungUp = tracker();
    hungUp.t.upsert(
      participant({ id: 1, dn: '10000', party_dn: '101', party_dn_type: 'Wextension' }),
      0,
    );
    hungUp.t.upsert(participant({ id: 2, dn: '101' }), 0);
    hungUp.t.remove('101', 2, 0, true);
    hungUp.t.remove('10000', 1, 0, true);
    // The caller's own participant is gone: no quiet time to wait.
    hungUp.advance(0);
    expect(fastVerdict(hungUp.quiet[0])).toBe('missed');
  });

  it('internal and outbound calls are not tracked as anyone’s missed call', () => {
    const { t, started, quiet, advance } = tracker();
    t.upsert(participant({ id: 1, dn: '101', party_dn: '102', party_dn_type: 'Wextension' }), 0);
    t.upsert(
      participant({ id: 2, dn: '102', status: 'Dialing', callid: 8, originated_by_dn: '102' }),
      0,
    );
    t.remove('101', 1, 0, true);
    t.remove('102', 2, 0, true);
    advance(2000);
    expect(started).toHaveLength(0);
    expect(quiet).toHaveLength(0);
  });

  it('the first snapshot adopts a call already connected without call.started', () => {
    const { t, started } = tracker();
    t.reconcile([participant({ id: 1, dn: '101', status: 'Connected' })], 0, true);
    expect(started).toHaveLength(0);
    t.reconcile([participant({ id: 2, dn: '102', callid: 9 })], 0, false);
    expect(started).toHaveLength(1);
  });
});
