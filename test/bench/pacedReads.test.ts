import {
  backToBackReads,
  bigStoreReadRate,
  pacedReads,
  READ_KINDS,
  type ReaderClock,
} from '../../bench/bigStoreReaders';

/**
 * The bigstore bench's API readers (bench/bigStoreReaders.ts): paced, they send at a fixed rate
 * whatever the bridge answers, so its work is the same in every run that keeps up, and count
 * each request's latency from when it was due (BENCHMARKS.md "paced19"); back to back, as
 * before. On a clock of the test's own: time moves only from one timer to the next.
 */
class VirtualClock implements ReaderClock {
  private t = 0;
  private order = 0;
  private readonly timers: Array<{ at: number; order: number; fire: () => void }> = [];

  now = (): number => this.t;

  sleep = (ms: number): Promise<void> =>
    new Promise((fire) =>
      this.timers.push({ at: this.t + Math.max(0, ms), order: this.order++, fire }),
    );

  /** `work` run to its end, firing the timers in time order once nothing else can run. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (settled) return work;
      this.timers.sort((a, b) => a.at - b.at || a.order - b.order);
      const next = this.timers.shift();
      if (next === undefined) throw new Error('nothing left to wait for, and the work not done');
      this.t = Math.max(this.t, next.at);
      next.fire();
    }
  }
}

/** A bridge that answers every request `answerMs` after it is sent; what it was sent, and when. */
function bridgeAnswering(clock: VirtualClock, answerMs: (sent: number) => number) {
  const sent: Array<{ path: string; at: number }> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  let pages = 0;
  const read = async (path: string): Promise<Buffer> => {
    sent.push({ path, at: clock.now() });
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    await clock.sleep(answerMs(sent.length - 1));
    inFlight--;
    return Buffer.from(`{"data":[],"next_cursor":"page${++pages}"}`);
  };
  return { read, sent, mostInFlight: () => mostInFlight };
}

/**
 * Each kind's path (the deep pages' first one is the first page's path: no cursor yet), so a
 * run of requests can be checked for the seven kinds in turn.
 */
const KIND_PATHS = [
  /^\/v1\/events\?limit=100$/,
  /^\/v1\/events\?limit=100(&cursor=page\d+)?$/,
  /^\/v1\/events\?event=call\.missed&limit=25$/,
  /^\/v1\/events\?limit=100&source_list=nomatch$/,
  /^\/v1\/calls\?limit=100$/,
  /^\/v1\/calls\?limit=25&outcome=missed$/,
  /^\/v1\/calls\?limit=25&number=%2B6141$/,
];

/** Whether `paths` are the seven kinds in turn, from the first. */
const inTurn = (paths: string[]): boolean => paths.every((path, i) => KIND_PATHS[i % 7].test(path));

describe('the bigstore readers, paced', () => {
  it('sends at the rate, each slot on its due time, the seven kinds in turn', async () => {
    const clock = new VirtualClock();
    const bridge = bridgeAnswering(clock, () => 3);
    const outcome = await clock.run(
      pacedReads({ rate: 200, seconds: 2, maxInFlight: 8 }, '+6141', bridge.read, clock),
    );
    expect(bridge.sent).toHaveLength(400);
    expect(bridge.sent.map((s) => s.at)).toEqual(Array.from({ length: 400 }, (_, i) => i * 5));
    expect(inTurn(bridge.sent.map((s) => s.path))).toBe(true);
    expect(outcome.pace).toEqual({
      rate: 200,
      achievedRate: 200,
      scheduled: 400,
      sent: 400,
      late: 0,
      waitedForConnection: 0,
      skipped: 0,
      maxInFlight: 1,
    });
    expect(outcome.latencies.map(([kind]) => kind)).toEqual([...READ_KINDS]);
    for (const [, ms] of outcome.latencies) expect(new Set(ms)).toEqual(new Set([3]));
  });

  it('pages back from the newest cursor answered, from the first page once it has none', async () => {
    const clock = new VirtualClock();
    const bridge = bridgeAnswering(clock, () => 1);
    await clock.run(
      pacedReads({ rate: 100, seconds: 0.3, maxInFlight: 8 }, '+6141', bridge.read, clock),
    );
    const deep = bridge.sent.filter((_, slot) => slot % 7 === 1).map((s) => s.path);
    expect(deep).toHaveLength(5);
    expect(deep[0]).toBe('/v1/events?limit=100');
    // The bridge's answers are numbered: the deep page before each was its 1st, 8th, 15th, …
    expect(deep.slice(1)).toEqual(
      [2, 9, 16, 23].map((n) => `/v1/events?limit=100&cursor=page${n}`),
    );
  });

  it('counts a stalled answer from its slot’s due time, and holds the waiting ones to the cap', async () => {
    const clock = new VirtualClock();
    // Fast answers, but the requests sent in the first 100 ms wait until 300 ms (a stall).
    const bridge = bridgeAnswering(clock, () => Math.max(2, 300 - clock.now()));
    const outcome = await clock.run(
      pacedReads({ rate: 100, seconds: 1, maxInFlight: 4 }, '+6141', bridge.read, clock),
    );
    expect(bridge.mostInFlight()).toBe(4);
    expect(outcome.pace).toMatchObject({ sent: 100, skipped: 0, maxInFlight: 4 });
    // Slots 4–29 were due at 40–290 ms and could only go once the stall's answers came, at 300.
    // Slots 4–30 were sent 10 ms or more late: the backlog went 4 every 2 ms from 300 on, slot
    // 30 (due at 300) at 312.
    expect(outcome.pace!.late).toBe(27);
    expect(outcome.pace!.waitedForConnection).toBeGreaterThanOrEqual(26);
    expect(bridge.sent.slice(0, 4).map((s) => s.at)).toEqual([0, 10, 20, 30]);
    expect(bridge.sent.slice(4, 8).map((s) => s.at)).toEqual([300, 300, 300, 300]);
    const all = outcome.latencies.flatMap(([, ms]) => ms);
    expect(Math.max(...all)).toBe(300);
    // Slot 4, due at 40 and sent at 300, answered at 302: 262 ms, not the 2 ms after its sending.
    expect(outcome.latencies[4][1][0]).toBe(262);
  });

  it('sends no more than the cap ever, and counts the slots the window ended on as skipped', async () => {
    const clock = new VirtualClock();
    // Slower than the rate: 4 connections × 20 answers a second against 100 slots a second.
    const bridge = bridgeAnswering(clock, () => 50);
    const outcome = await clock.run(
      pacedReads({ rate: 100, seconds: 1, maxInFlight: 4 }, '+6141', bridge.read, clock),
    );
    expect(bridge.mostInFlight()).toBe(4);
    const pace = outcome.pace!;
    expect(pace.sent).toBe(bridge.sent.length);
    expect(pace.sent).toBeLessThanOrEqual(84);
    expect(pace.skipped).toBe(100 - pace.sent);
    expect(pace.achievedRate).toBe(pace.sent);
    // Slot 4q + r is sent when slot 4(q − 1) + r is answered: 10·q ms after its due time.
    expect(pace.sent).toBe(80);
    expect(pace.late).toBe(76);
    expect(pace.waitedForConnection).toBe(77);
    // The queue grows: the last slot sent waited ~ (its due time … the window's end).
    const latest = Math.max(...outcome.latencies.flatMap(([, ms]) => ms));
    expect(latest).toBeGreaterThan(150);
  });

  it('stops at the first error, once the requests in flight are answered', async () => {
    const clock = new VirtualClock();
    const read = (path: string) =>
      path.includes('source_list')
        ? Promise.reject(new Error(`${path}: HTTP 500`))
        : clock.sleep(5).then(() => Buffer.from('{}'));
    await expect(
      clock.run(pacedReads({ rate: 100, seconds: 1, maxInFlight: 8 }, '+6141', read, clock)),
    ).rejects.toThrow('source_list=nomatch: HTTP 500');
  });
});

describe('the bigstore readers, back to back (BENCH_BIGSTORE_READ_RATE=0)', () => {
  it('each reader sends the seven kinds in turn, the next once the last is answered, and ends its round', async () => {
    const clock = new VirtualClock();
    const bridge = bridgeAnswering(clock, () => 4);
    const outcome = await clock.run(backToBackReads(2, 0.1, '+6141', bridge.read, clock));
    expect(outcome.pace).toBeNull();
    expect(bridge.mostInFlight()).toBe(2);
    // Each round takes 28 ms: rounds begin at 0, 28, 56 and 84 ms, the last ending at 112.
    expect(bridge.sent).toHaveLength(2 * 4 * 7);
    const ofReader = (first: number) => bridge.sent.filter((_, i) => i % 2 === first);
    expect(inTurn(ofReader(0).map((s) => s.path))).toBe(true);
    expect(inTurn(ofReader(1).map((s) => s.path))).toBe(true);
    expect(outcome.latencies.map(([kind, ms]) => [kind, ms.length])).toEqual(
      READ_KINDS.map((kind) => [kind, 8]),
    );
    for (const [, ms] of outcome.latencies) expect(new Set(ms)).toEqual(new Set([4]));
    // Each reader pages back on its own line: its second deep page follows its own first.
    const deep = bridge.sent.filter((_, i) => Math.floor(i / 2) % 7 === 1).map((s) => s.path);
    expect(deep.slice(0, 2)).toEqual(['/v1/events?limit=100', '/v1/events?limit=100']);
    expect(deep[2]).toBe('/v1/events?limit=100&cursor=page3');
    expect(deep[3]).toBe('/v1/events?limit=100&cursor=page4');
  });
});

describe('BENCH_BIGSTORE_READ_RATE', () => {
  it('is a rate above 0, else back to back', () => {
    expect(bigStoreReadRate({ BENCH_BIGSTORE_READ_RATE: '450' })).toBe(450);
    expect(bigStoreReadRate({ BENCH_BIGSTORE_READ_RATE: '0' })).toBe(0);
    expect(bigStoreReadRate({ BENCH_BIGSTORE_READ_RATE: 'fast' })).toBe(0);
    expect(bigStoreReadRate({ BENCH_BIGSTORE_READ_RATE: '-5' })).toBe(0);
  });
});
