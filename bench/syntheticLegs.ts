import { formatIsoDuration } from '../lib/duration';
import type { CallLeg } from '../lib/threecx/callLeg';

/**
 * Realistic call-log legs in bulk, for the settle benchmark and the property tests: a mix of
 * direct, queue (with polling waves), IVR, voicemail, outbound and internal calls in the XAPI
 * row shape, deterministic for a seed. Not the simulator: no HTTP, no clock, just rows.
 */
export interface SyntheticOptions {
  calls: number;
  seed?: number;
  /** First call's start (ms); calls follow every `spacingMs`. */
  startMs?: number;
  spacingMs?: number;
  /** Share of pre-Update-6 rows (no CallHistoryId). */
  legacyShare?: number;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['Alice Nguyen', 'Bob Smith', 'Chloe Park', 'Dev Patel', 'Emma Jones', 'Finn Lee'];

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

export function syntheticLegs(options: SyntheticOptions): CallLeg[] {
  const random = mulberry32(options.seed ?? 1);
  const legs: CallLeg[] = [];
  const spacing = options.spacingMs ?? 1500;
  const startMs = options.startMs ?? Date.UTC(2026, 2, 2, 0, 0, 0);
  let cdr = 1;
  const ext = () => String(101 + Math.floor(random() * NAMES.length));

  for (let i = 0; i < options.calls; i++) {
    const legacy = random() < (options.legacyShare ?? 0);
    const callId = 10000 + i;
    const historyId = `00000000-01db-aef6-c109-60ec${hex(i, 8)}`;
    const t0 = startMs + i * spacing;
    const caller = `+614${String(10000000 + Math.floor(random() * 89999999))}`;
    let segment = 0;
    const add = (
      at: number,
      src: { type: number; dn: string; id: string; name?: string },
      dst: { type: number; dn: string; id: string; name?: string },
      ring: number,
      talk: number,
      extra: Partial<CallLeg> = {},
    ) => {
      segment++;
      const answered = talk > 0;
      const leg: CallLeg = {
        CallId: callId,
        SegmentId: segment,
        Indent: segment === 1 ? 0 : 1,
        SubrowDescNumber: segment,
        StartTime: new Date(t0 + at * 1000).toISOString(),
        SourceType: src.type,
        SourceDn: src.dn,
        SourceCallerId: src.id,
        DestinationType: dst.type,
        DestinationDn: dst.dn,
        DestinationCallerId: dst.id,
        RingingDuration: formatIsoDuration(ring),
        TalkingDuration: formatIsoDuration(talk),
        Answered: answered,
        Reason: 'Ended by caller',
        ...extra,
      };
      if (src.name) leg.SourceDisplayName = src.name;
      if (dst.name) leg.DestinationDisplayName = dst.name;
      if (!legacy) {
        leg.CdrId = `00000000-01db-aef6-c10a-60ec${hex(cdr++, 8)}`;
        leg.CallHistoryId = historyId;
        leg.MainCallHistoryId = historyId;
        leg.Direction ??= 'Inbound';
        leg.CallType ??=
          dst.type === 4 ? 'Queue' : dst.type === 6 ? 'Digital Receptionist' : 'Extension';
        leg.Status ??= answered ? 'Answered' : 'Unanswered';
      }
      legs.push(leg);
    };
    const outside = { type: 1, dn: '10000', id: caller };
    const agent = (dn: string) => ({ type: 0, dn, id: dn, name: NAMES[Number(dn) - 101] });
    const kind = random();
    if (kind < 0.3) {
      // direct: answered or to voicemail
      const a = ext();
      if (random() < 0.6) add(0, outside, agent(a), 3 + random() * 15, 20 + random() * 300);
      else {
        add(0, outside, agent(a), 20, 0);
        add(20, outside, { type: 5, dn: a, id: a, name: `Voicemail ${a}` }, 0, 2 + random() * 40);
      }
    } else if (kind < 0.65) {
      // IVR then queue with polling waves
      const ivrTime = 4 + random() * 10;
      add(0, outside, { type: 6, dn: '8000', id: '8000', name: 'Main Menu' }, 0, ivrTime);
      const waves = 1 + Math.floor(random() * 4);
      const answeredWave = random() < 0.7 ? Math.floor(random() * waves) : -1;
      add(
        ivrTime,
        outside,
        { type: 4, dn: '8001', id: '8001', name: 'Sales Queue' },
        waves * 16,
        0,
        {
          Direction: 'Inbound Queue',
          Status: 'Waiting',
        },
      );
      for (let w = 0; w < waves; w++) {
        const at = ivrTime + 1 + w * 16;
        add(at, outside, agent(ext()), 15, w === answeredWave ? 30 + random() * 200 : 0);
        if (w === answeredWave) break;
      }
    } else if (kind < 0.8) {
      // ring group, nobody or someone answers
      const who = random() < 0.5 ? ext() : null;
      for (const dn of ['101', '102', '103'])
        add(0, outside, agent(dn), who === dn ? 8 : 25, who === dn ? 60 : 0);
    } else if (kind < 0.9) {
      add(
        0,
        agent(ext()),
        { type: 1, dn: '10000', id: caller },
        5 + random() * 20,
        random() < 0.5 ? 90 : 0,
        {
          Direction: 'Outbound',
          CallType: 'External',
        },
      );
    } else {
      add(0, agent('101'), agent('102'), 5 + random() * 15, random() < 0.5 ? 45 : 0, {
        Direction: 'Internal',
      });
    }
  }
  return legs;
}
