import { FairScheduler, limitsFor, type Lane } from '../../bridge/delivery/fairScheduler';
import type { DueDelivery } from '../../bridge/store/deliveries';

/**
 * The scheduler's decisions, without a network or a clock of its own: which delivery starts
 * next when one location has a huge backlog at a receiver that never answers and another has
 * one missed call (issue: one tenant must not starve another's deliveries).
 */
let nextId = 1;

function delivery(lane: string, location: string): DueDelivery {
  const id = nextId++;
  return {
    id,
    locationId: location,
    eventSeq: id,
    eventId: `call_${id}:call.missed`,
    eventType: 'call.missed',
    payload: '{}',
    subscriptionId: lane,
    occurredAt: '2026-03-02T09:00:00.000Z',
    attempts: 0,
    createdAt: 0,
  };
}

/** A scheduler whose lanes are filled from `backlog` (what "the store" holds per lane). */
function scheduler(concurrency: number, backlog: Map<string, DueDelivery[]>) {
  const s = new FairScheduler(limitsFor(concurrency), {
    refill(lane: Lane) {
      const rows = backlog.get(lane.id) ?? [];
      for (const d of rows.splice(0, 128)) lane.push(d);
      lane.more = rows.length > 0;
    },
  });
  const add = (location: string, lane: string, host: string, count: number) => {
    backlog.set(
      lane,
      Array.from({ length: count }, () => delivery(lane, location)),
    );
    const l = s.addLane(
      { id: lane, locationId: location, kind: 'rest_hook', targetUrl: `https://${host}/${lane}` },
      new URL(`https://${host}/${lane}`),
    );
    l.more = true;
    s.wake(l);
    return l;
  };
  return { s, add };
}

describe('fair scheduling of deliveries', () => {
  it('gives a location with one delivery the next free slot, however large another location’s backlog', () => {
    const backlog = new Map<string, DueDelivery[]>();
    const { s, add } = scheduler(64, backlog);
    // Tenant A: 100 hooks at 20 different black holes, 50 deliveries each, stored first.
    for (let i = 0; i < 100; i++) add('loc_a', `hook_a${i}`, `blackhole${i % 20}.example`, 50);
    const started: Array<{ lane: Lane; delivery: DueDelivery }> = [];
    for (let i = 0; i < 10; i++) started.push(s.next(0)!);
    // Tenant B's one missed call arrives while A's deliveries hang.
    add('loc_b', 'hook_b', 'crm.example', 1);
    const after: string[] = [];
    for (;;) {
      const next = s.next(0);
      if (!next) break;
      after.push(next.delivery.locationId);
    }
    // B goes at its first turn: at most one more of A's starts before it.
    expect(after.indexOf('loc_b')).toBeLessThanOrEqual(1);
    // A never holds more than its share (a quarter of the slots), so B always finds one free.
    const aInFlight = started.length + after.filter((l) => l === 'loc_a').length;
    expect(aInFlight).toBe(s.limits.perLocation);
    expect(s.limits.perLocation).toBe(16);
    expect(s.inFlight).toBeLessThan(s.limits.concurrency);
  });

  it('takes turns between locations, one delivery each', () => {
    const backlog = new Map<string, DueDelivery[]>();
    const { s, add } = scheduler(1024, backlog);
    add('loc_a', 'hook_a', 'a.example', 100);
    add('loc_b', 'hook_b', 'b.example', 100);
    add('loc_c', 'hook_c', 'c.example', 100);
    const order = Array.from({ length: 9 }, () => s.next(0)!.delivery.locationId);
    expect(order).toEqual([
      'loc_a',
      'loc_b',
      'loc_c',
      'loc_a',
      'loc_b',
      'loc_c',
      'loc_a',
      'loc_b',
      'loc_c',
    ]);
  });

  it('keeps a target to its own limit, leaving the location’s other targets room', () => {
    const backlog = new Map<string, DueDelivery[]>();
    const { s, add } = scheduler(1024, backlog);
    const slow = add('loc_a', 'hook_slow', 'slow.example', 100);
    add('loc_a', 'hook_fast', 'fast.example', 100);
    const lanes: string[] = [];
    for (;;) {
      const next = s.next(0);
      if (!next) break;
      lanes.push(next.lane.id);
    }
    // Each target starts at 4 in flight; its limit grows only as it answers.
    expect(lanes.filter((l) => l === 'hook_slow')).toHaveLength(slow.target.limit);
    expect(lanes.filter((l) => l === 'hook_fast')).toHaveLength(4);
  });

  it('sends nothing to a target whose circuit is open: its lane lets go of its deliveries and sleeps until a probe may go', () => {
    const backlog = new Map<string, DueDelivery[]>();
    const { s, add } = scheduler(1024, backlog);
    const dead = add('loc_a', 'hook_dead', 'dead.example', 10);
    for (let i = 0; i < 5; i++) {
      dead.target.started(0);
      dead.target.finished('unreachable', 10_000, 0, true);
    }
    add('loc_b', 'hook_b', 'b.example', 1);
    const started: string[] = [];
    for (;;) {
      const next = s.next(1);
      if (!next) break;
      started.push(next.lane.id);
    }
    expect(started).toEqual(['hook_b']);
    expect(dead.queued).toBe(0);
    expect(dead.held.size).toBe(0);
    expect(dead.wakeAt).toBe(dead.target.reopenAt);
    expect(dead.wakeAt).toBeGreaterThan(1);
  });

  it('under a cap lowered for the event loop, a location holds only its share of it: another location’s delivery finds a slot', () => {
    const backlog = new Map<string, DueDelivery[]>();
    const { s, add } = scheduler(64, backlog);
    // Tenant A: 10 hooks at 10 receivers that never answer, 100 deliveries each.
    for (let i = 0; i < 10; i++) add('loc_a', `hook_a${i}`, `blackhole${i}.example`, 100);
    s.setCap(8);
    expect(s.cap).toBe(8);
    let aInFlight = 0;
    while (s.next(0)) aInFlight++;
    // A quarter of the 8 (as a quarter of the 64 without the cap), all of them hanging.
    expect(aInFlight).toBe(2);
    add('loc_b', 'hook_b', 'crm.example', 1);
    expect(s.next(0)?.delivery.locationId).toBe('loc_b');
  });

  it('under a lowered cap the locations still take turns: a fresh delivery goes within one turn of each location ahead of it', () => {
    const backlog = new Map<string, DueDelivery[]>();
    const { s, add } = scheduler(64, backlog);
    for (let l = 0; l < 6; l++)
      for (let h = 0; h < 4; h++) add(`loc_${l}`, `hook_${l}_${h}`, `r${l}-${h}.example`, 100);
    s.setCap(8);
    const inFlight: Lane[] = [];
    for (let next = s.next(0); next; next = s.next(0)) inFlight.push(next.lane);
    expect(inFlight).toHaveLength(8);
    expect(s.inFlight).toBe(8);
    add('loc_fresh', 'hook_fresh', 'fresh.example', 1);
    const after: string[] = [];
    while (!after.includes('loc_fresh')) {
      s.finished(inFlight.shift()!);
      const next = s.next(0)!;
      inFlight.push(next.lane);
      after.push(next.delivery.locationId);
      expect(s.inFlight).toBe(8);
    }
    expect(after.length).toBeLessThanOrEqual(7);
    // The cap back at the concurrency: more start at once.
    s.setCap(64);
    let more = 0;
    while (s.next(0)) more++;
    expect(more).toBeGreaterThan(0);
    expect(s.inFlight).toBeGreaterThan(8);
  });
});
