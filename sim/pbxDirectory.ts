import type { CountryDialling } from './countryDialling';

/**
 * The simulated phone system: trunks, DIDs with their inbound rules, extensions, a queue, a
 * ring group and an IVR. Call scripts name these by DN, as a 3CX admin would.
 *
 * DNs follow what live V20 systems show (docs/3cx-facts.md §5 [obs bma]): a trunk DN `10000`,
 * extensions `101…`, queues, ring groups and IVRs in the `8000` range.
 */
export interface SimTrunk {
  dn: string;
  name: string;
  /** The trunk's main number (`TrunkNumber` of the inbound-call report). */
  number: string;
}

/** Where an inbound rule or an IVR option sends a call. */
export type SimDestination =
  | { kind: 'extension'; dn: string }
  | { kind: 'queue'; dn: string }
  | { kind: 'ringGroup'; dn: string }
  | { kind: 'ivr'; dn: string }
  | { kind: 'voicemail'; dn: string };

export interface SimDid {
  /** E.164, as the trunk presents it. */
  number: string;
  trunkDn: string;
  /** The inbound rule's name (`RuleName` of the inbound-call report). */
  ruleName: string;
  /** Office-hours destination. */
  destination: SimDestination;
  /** Out-of-office route: the rule sends the call straight to this extension's voicemail. */
  afterHoursVoicemailBox: string;
}

export interface SimExtension {
  dn: string;
  firstName: string;
  lastName: string;
}

export interface SimQueue {
  dn: string;
  name: string;
  /** Logged-in agents in polling order. */
  agents: string[];
  /** How long each agent's phone rings per poll. */
  pollSeconds: number;
  /** Agents rung together per wave (1 = hunt one by one, as "third agent answers" needs). */
  waveSize: number;
  /** Intro prompt before the first wave. */
  firstPollSeconds: number;
  /** Pause between waves: queues re-ring within 1–2 s (docs/3cx-facts.md §2.3 [3p tcad]). */
  waveGapSeconds: number;
  /** Longest wait before the no-answer destination (voicemail). */
  maxWaitSeconds: number;
  voicemailBox: string;
}

export interface SimRingGroup {
  dn: string;
  name: string;
  /** Ring-all: every member rings at once, one leg each. */
  members: string[];
  ringSeconds: number;
  voicemailBox: string;
}

export interface SimIvr {
  dn: string;
  name: string;
  /** Digit → destination. */
  options: Record<string, SimDestination>;
}

export interface PbxDirectoryConfig {
  trunks: SimTrunk[];
  dids: SimDid[];
  extensions: SimExtension[];
  queues: SimQueue[];
  ringGroups: SimRingGroup[];
  ivrs: SimIvr[];
  /** The voicemail greeting callers hear before the beep. */
  voicemailGreetingSeconds: number;
}

const DEFAULT_EXTENSIONS: readonly [string, string, string][] = [
  ['101', 'Alice', 'Nguyen'],
  ['102', 'Ben', 'Carter'],
  ['103', 'Chloe', 'Walker'],
  ['104', 'Daniel', 'Kim'],
  ['105', 'Emma', 'Wilson'],
  // An apostrophe on purpose: OData string literals double it ('O''Brien').
  ['106', 'Finn', "O'Brien"],
  ['107', 'Grace', 'Patel'],
  ['108', 'Hamish', 'Brown'],
  ['109', 'Isla', 'Thompson'],
  ['110', 'Jack', 'Murphy'],
];

/**
 * Entities real V20 logs show that no script configures (docs/3cx-facts.md §8): the shared
 * parking orbit, a DN that is not a number, and an AI voice agent, which has no DN at all.
 */
export const SHARED_PARKING = { dn: 'SP1', name: 'Shared Parking' } as const;
export const VOICE_AGENT_NAME = 'Voice Agent';
/** How exports name a voicemail box's leg: `Voicemail Box (100)` (docs/3cx-facts.md §8). */
export const VOICEMAIL_BOX_NAME = 'Voicemail Box';

/** A small business PBX in the given country: with AU, DIDs +61881234500…502 and +618812346NN. */
export function defaultPbxDirectory(country: CountryDialling): PbxDirectoryConfig {
  const trunkNumber = didNumber(country, '81234500', 0);
  const trunk: SimTrunk = { dn: '10000', name: 'Telstra SIP Connect', number: trunkNumber };
  const extensions = DEFAULT_EXTENSIONS.map(([dn, firstName, lastName]) => ({
    dn,
    firstName,
    lastName,
  }));
  const dids: SimDid[] = [
    {
      number: didNumber(country, '81234500', 0),
      trunkDn: trunk.dn,
      ruleName: 'Main line',
      destination: { kind: 'ivr', dn: '8000' },
      afterHoursVoicemailBox: '101',
    },
    {
      number: didNumber(country, '81234500', 1),
      trunkDn: trunk.dn,
      ruleName: 'Sales line',
      destination: { kind: 'queue', dn: '8001' },
      afterHoursVoicemailBox: '103',
    },
    {
      number: didNumber(country, '81234500', 2),
      trunkDn: trunk.dn,
      ruleName: 'Support line',
      destination: { kind: 'ringGroup', dn: '8002' },
      afterHoursVoicemailBox: '107',
    },
    ...extensions.map((e) => ({
      number: didNumber(country, '81234600', Number(e.dn.slice(-2))),
      trunkDn: trunk.dn,
      ruleName: `DDI ${e.dn} ${e.firstName} ${e.lastName}`,
      destination: { kind: 'extension' as const, dn: e.dn },
      afterHoursVoicemailBox: e.dn,
    })),
  ];
  return {
    trunks: [trunk],
    dids,
    extensions,
    queues: [
      {
        dn: '8001',
        name: 'Sales Queue',
        agents: ['103', '104', '105', '106'],
        pollSeconds: 15,
        waveSize: 1,
        firstPollSeconds: 4,
        waveGapSeconds: 2,
        maxWaitSeconds: 90,
        voicemailBox: '103',
      },
    ],
    ringGroups: [
      {
        dn: '8002',
        name: 'Support Team',
        members: ['107', '108', '109'],
        ringSeconds: 25,
        voicemailBox: '107',
      },
    ],
    ivrs: [
      {
        dn: '8000',
        name: 'Main Menu',
        options: {
          '0': { kind: 'extension', dn: '101' },
          '1': { kind: 'queue', dn: '8001' },
          '2': { kind: 'ringGroup', dn: '8002' },
        },
      },
    ],
    voicemailGreetingSeconds: 6,
  };
}

/** `+61` + `8812345` + `00`: a number block in the PBX's own area, as DIDs usually are. */
function didNumber(country: CountryDialling, block: string, index: number): string {
  const nsnLength = country.landline.length;
  const base = (country.areaCode + block).slice(0, nsnLength - 2);
  return `+${country.countryCode}${base}${String(index).padStart(2, '0')}`;
}

/** The directory with lookups; checks on construction that every DN a rule names exists. */
export class PbxDirectory {
  readonly config: PbxDirectoryConfig;
  private readonly extensionsByDn: Map<string, SimExtension>;

  constructor(config: PbxDirectoryConfig) {
    this.config = config;
    this.extensionsByDn = new Map(config.extensions.map((e) => [e.dn, e]));
    this.check();
  }

  get trunk(): SimTrunk {
    return this.config.trunks[0];
  }

  extension(dn: string): SimExtension {
    const found = this.extensionsByDn.get(dn);
    if (!found) throw new RangeError(`no extension ${dn} on this PBX`);
    return found;
  }

  hasExtension(dn: string): boolean {
    return this.extensionsByDn.has(dn);
  }

  /** `Alice Nguyen`: how 3CX shows an extension in `*DisplayName`. */
  displayName(dn: string): string {
    const e = this.extension(dn);
    return `${e.firstName} ${e.lastName}`.trim();
  }

  queue(dn?: string): SimQueue {
    const found =
      dn === undefined ? this.config.queues[0] : this.config.queues.find((q) => q.dn === dn);
    if (!found) throw new RangeError(`no queue ${dn ?? ''} on this PBX`);
    return found;
  }

  ringGroup(dn?: string): SimRingGroup {
    const groups = this.config.ringGroups;
    const found = dn === undefined ? groups[0] : groups.find((g) => g.dn === dn);
    if (!found) throw new RangeError(`no ring group ${dn ?? ''} on this PBX`);
    return found;
  }

  ivr(dn?: string): SimIvr {
    const found =
      dn === undefined ? this.config.ivrs[0] : this.config.ivrs.find((i) => i.dn === dn);
    if (!found) throw new RangeError(`no IVR ${dn ?? ''} on this PBX`);
    return found;
  }

  trunkByDn(dn: string): SimTrunk {
    const found = this.config.trunks.find((t) => t.dn === dn);
    if (!found) throw new RangeError(`no trunk ${dn} on this PBX`);
    return found;
  }

  did(number: string): SimDid {
    const found = this.config.dids.find((d) => d.number === number);
    if (!found) throw new RangeError(`no DID ${number} on this PBX`);
    return found;
  }

  /** The DID whose inbound rule routes to this destination; else the first DID (main line). */
  didFor(destination: SimDestination): SimDid {
    const dids = this.config.dids;
    return (
      dids.find(
        (d) => d.destination.kind === destination.kind && d.destination.dn === destination.dn,
      ) ?? dids[0]
    );
  }

  private check(): void {
    const c = this.config;
    if (c.trunks.length === 0) throw new RangeError('the PBX needs at least one trunk');
    if (c.dids.length === 0) throw new RangeError('the PBX needs at least one DID');
    const needExtension = (dn: string, what: string) => {
      if (!this.extensionsByDn.has(dn))
        throw new RangeError(`${what} names unknown extension ${dn}`);
    };
    const checkDestination = (d: SimDestination, what: string) => {
      if (d.kind === 'extension' || d.kind === 'voicemail') needExtension(d.dn, what);
      else if (d.kind === 'queue') this.queue(d.dn);
      else if (d.kind === 'ringGroup') this.ringGroup(d.dn);
      else this.ivr(d.dn);
    };
    for (const d of c.dids) {
      this.trunkByDn(d.trunkDn);
      checkDestination(d.destination, `DID ${d.number}`);
      needExtension(d.afterHoursVoicemailBox, `DID ${d.number}`);
    }
    for (const q of c.queues) {
      q.agents.forEach((a) => needExtension(a, `queue ${q.dn}`));
      needExtension(q.voicemailBox, `queue ${q.dn}`);
      if (q.waveSize < 1 || q.pollSeconds <= 0 || q.maxWaitSeconds <= 0) {
        throw new RangeError(`queue ${q.dn} needs waveSize >= 1 and positive timings`);
      }
    }
    for (const g of c.ringGroups) {
      g.members.forEach((m) => needExtension(m, `ring group ${g.dn}`));
      needExtension(g.voicemailBox, `ring group ${g.dn}`);
    }
    for (const i of c.ivrs) {
      for (const [digit, d] of Object.entries(i.options)) {
        if (d.kind === 'ivr')
          throw new RangeError(`IVR ${i.dn} option ${digit}: nested IVRs are not simulated`);
        checkDestination(d, `IVR ${i.dn} option ${digit}`);
      }
    }
  }
}
