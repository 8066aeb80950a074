import { readLeg, type LegFacts } from '../../lib/legFacts';
import type { LegRuleOptions, PartyRole } from '../../lib/legRules';
import type { QueuePoll } from '../../lib/queuePoll';
import { matchQueuePolls, type UnkeyedQueuePoll } from '../../lib/queuePollMatch';
import { groupLegsByCall, settleCalls } from '../../lib/settleCalls';
import type { SettledCall, SettleResult } from '../../lib/settledCall';
import type { CallLeg } from '../../lib/threecx/callLeg';
import {
  abandonedColumns,
  readAbandonedRow,
  type AbandonedColumns,
} from '../../lib/threecx/export/abandonedExport';
import {
  CallLogExportReader,
  callLogColumns,
  type CallLogColumns,
} from '../../lib/threecx/export/callLogExport';
import { MissingColumnsError } from '../../lib/threecx/export/exportColumns';
import {
  inboundColumns,
  readInboundRow,
  type InboundColumns,
} from '../../lib/threecx/export/inboundExport';
import { PbxLocalTime, type DateOrder } from '../../lib/threecx/export/pbxLocalTime';
import { parseUtcMillis } from '../../lib/utcTime';
import { readCsvExport, type ExportProblem } from './readCsvExport';

export interface ExportFile {
  file: string;
  text: string;
}

export interface ReplayOptions {
  callLogs: readonly ExportFile[];
  abandoned: readonly ExportFile[];
  inbound: readonly ExportFile[];
  country: string;
  timeZone: string;
  dateOrder: DateOrder;
  /** The PBX's trunks (outside parties) and any DN roles the admin knows. */
  trunkDns: readonly string[];
  dnRoles: Readonly<Record<string, PartyRole>>;
  voicemailLeftSeconds?: number;
  onProgress?: (file: string, rows: number) => void;
}

/** What one export file held. */
export interface FileSummary {
  file: string;
  kind: 'call log' | 'abandoned queue calls' | 'inbound calls';
  rows: number;
  /** Call-log legs (after duplicates), abandoned polls, or inbound rows used. */
  used: number;
  duplicates: number;
  footers: number;
  problems: number;
}

export interface UnknownShape {
  shape: string;
  count: number;
  example: { file: string; line: number };
}

/** A call the bridge and 3CX's own leg statuses see differently. */
export interface Disagreement {
  call: SettledCall;
  /** 3CX says a person answered (a leg `Answered`, not a voicemail box). */
  threecxAnswered: boolean;
  /** Why, leg by leg: what 3CX said and how the bridge read it. */
  reasons: string[];
}

/** A DN read as an extension only because it is a short number, that never placed a call. */
export interface AssumedExtension {
  dn: string;
  name: string;
  legs: number;
}

export interface ReplayResult {
  files: FileSummary[];
  problems: ExportProblem[];
  unknownShapes: UnknownShape[];
  legs: number;
  result: SettleResult;
  /** Abandoned-queue visits tied to a call; rows that matched none. */
  queuePolls: { calls: number; unmatchedRows: number };
  /** Calls given the DID they came in on. */
  dialedNumbers: number;
  disagreements: Disagreement[];
  assumedExtensions: AssumedExtension[];
}

/**
 * `3cx-bridge replay`: 3CX's own exports through the settle engine, as the poller would have
 * seen the calls (docs/3cx-facts.md §8). The inbound-calls export gives DIDs and the trunks'
 * DNs; the call log gives the legs (duplicate rows of overlapping exports once); the calls
 * are settled, and the abandoned queue calls among them settled again with the agents the
 * abandoned-queue export names, as the poller does with the XAPI report.
 */
export async function replayExports(options: ReplayOptions): Promise<ReplayResult> {
  const time = new PbxLocalTime(options.timeZone, options.dateOrder);
  const files: FileSummary[] = [];
  const problems: ExportProblem[] = [];
  const problem = (p: ExportProblem) => problems.push(p);

  const dialedNumbers = new Map<string, string>();
  const trunkDns = new Set(options.trunkDns);
  for (const { file, text } of options.inbound) {
    const summary = emptySummary(file, 'inbound calls');
    let columns: InboundColumns | undefined;
    const { rows } = await readCsvExport(text, file, {
      header: (cells) => (columns = headerOf(file, () => inboundColumns(cells))),
      row: (cells) => {
        const row = readInboundRow(cells, columns!);
        if (row.trunkDn !== null) trunkDns.add(row.trunkDn);
        if (row.callHistoryId !== null && row.did !== null) {
          dialedNumbers.set(row.callHistoryId, row.did);
          summary.used += 1;
        }
      },
      problem: count(summary, problem),
      progress: (n) => options.onProgress?.(file, n),
    });
    summary.rows = rows;
    files.push(summary);
  }

  const reader = new CallLogExportReader(time);
  const legs: CallLeg[] = [];
  const seen = new Set<string>();
  const shapes = new Map<string, UnknownShape>();
  for (const { file, text } of options.callLogs) {
    const summary = emptySummary(file, 'call log');
    let columns: CallLogColumns | undefined;
    let width = 0;
    const { rows } = await readCsvExport(text, file, {
      header: (cells) => {
        columns = headerOf(file, () => callLogColumns(cells));
        width = cells.length;
      },
      row: (cells, line) => {
        const read = reader.read(cells, columns!);
        if (read.kind === 'footer') {
          summary.footers += 1;
          return;
        }
        if (read.kind === 'problem') {
          count(summary, problem)({ file, line, column: read.column, message: read.message });
          return;
        }
        if (cells.length !== width) {
          count(
            summary,
            problem,
          )({
            file,
            line,
            column: null,
            message: `has ${cells.length} fields where the header has ${width}`,
          });
          return;
        }
        // Overlapping exports repeat rows word for word (docs/3cx-facts.md §8).
        const key = cells.join('\u0001');
        if (seen.has(key)) {
          summary.duplicates += 1;
          return;
        }
        seen.add(key);
        legs.push(read.leg);
        summary.used += 1;
        if (!read.known) {
          const known = shapes.get(read.shape);
          if (known) known.count += 1;
          else shapes.set(read.shape, { shape: read.shape, count: 1, example: { file, line } });
        }
      },
      problem: count(summary, problem),
      progress: (n) => options.onProgress?.(file, n),
    });
    summary.rows = rows;
    files.push(summary);
  }

  const unkeyed: UnkeyedQueuePoll[] = [];
  for (const { file, text } of options.abandoned) {
    const summary = emptySummary(file, 'abandoned queue calls');
    let columns: AbandonedColumns | undefined;
    const { rows } = await readCsvExport(text, file, {
      header: (cells) => (columns = headerOf(file, () => abandonedColumns(cells))),
      row: (cells, line) => {
        const read = readAbandonedRow(cells, columns!, time);
        if (read.kind === 'footer') summary.footers += 1;
        else if (read.kind === 'problem') {
          count(summary, problem)({ file, line, column: read.column, message: read.message });
        } else {
          unkeyed.push(read.poll);
          summary.used += 1;
        }
      },
      problem: count(summary, problem),
      progress: (n) => options.onProgress?.(file, n),
    });
    summary.rows = rows;
    files.push(summary);
  }

  const dnRoles: Record<string, PartyRole> = {};
  for (const dn of trunkDns) dnRoles[dn] = 'external';
  const legRules: LegRuleOptions = { dnRoles: { ...dnRoles, ...options.dnRoles } };
  const settle = (queuePolls?: ReadonlyMap<string, readonly QueuePoll[]>) =>
    settleCalls(legs, {
      // Every call of an export has ended: settle after the last one.
      now: lastEnd(legs) + 86_400_000,
      country: options.country,
      voicemailLeftSeconds: options.voicemailLeftSeconds,
      legRules,
      dialedNumbers,
      queuePolls,
    });
  let result = settle();
  const abandoned = result.settled.filter((c) => c.outcome === 'abandoned' && c.queue !== null);
  const matched = matchQueuePolls(unkeyed, abandoned, { country: options.country });
  if (matched.byCall.size > 0) result = settle(matched.byCall);

  const groups = groupLegsByCall(legs);
  const facts = new Map<string, LegFacts[]>();
  for (const [key, group] of groups) {
    facts.set(
      key,
      group.map((l) => readLeg(l, legRules)).filter((f): f is LegFacts => f !== null),
    );
  }
  return {
    files,
    problems,
    unknownShapes: [...shapes.values()].sort((a, b) => b.count - a.count),
    legs: legs.length,
    result,
    queuePolls: { calls: matched.byCall.size, unmatchedRows: matched.unmatched.length },
    dialedNumbers: result.settled.filter((c) => c.dialed_number !== null).length,
    disagreements: disagreementsOf(result.settled, facts),
    assumedExtensions: assumedExtensions(facts, legRules, unkeyed),
  };
}

/**
 * Where the bridge and 3CX's statuses differ on "a person answered". 3CX's view: some leg
 * says `Answered`, other than a voicemail box's (both sides agree a voicemail is no answer).
 */
function disagreementsOf(
  calls: readonly SettledCall[],
  facts: ReadonlyMap<string, LegFacts[]>,
): Disagreement[] {
  const out: Disagreement[] = [];
  for (const call of calls) {
    const legs = facts.get(call.call_id) ?? [];
    const answeredLegs = legs.filter(
      (f) => f.leg.Status === 'Answered' && f.dstRole !== 'voicemail',
    );
    const threecxAnswered = answeredLegs.length > 0;
    const bridgeAnswered = call.outcome === 'answered';
    if (threecxAnswered === bridgeAnswered) continue;
    const reasons = threecxAnswered
      ? answeredLegs.map((f) => `3CX: Answered by ${partyText(f)}; ${whyNotAnswered(f, call)}`)
      : legs
          .filter((f) => f.talk > 0 && f.dstRole !== 'voicemail')
          .map(
            (f) =>
              `3CX: ${f.leg.Status ?? 'no status'} for ${partyText(f)}, yet ${Math.round(f.talk)} s of talk`,
          );
    out.push({ call, threecxAnswered, reasons });
  }
  return out;
}

function whyNotAnswered(f: LegFacts, call: SettledCall): string {
  if (f.talk <= 0) return 'no talk time, so no conversation';
  if (f.dstRole === 'extension' || f.dstRole === 'external') {
    return call.direction === 'outbound' && f.dstRole === 'extension'
      ? 'the extension placed the call'
      : `read as ${f.dstRole}`;
  }
  return `${ROLE_TEXT[f.dstRole] ?? f.dstRole}, not a person`;
}

const ROLE_TEXT: Partial<Record<PartyRole, string>> = {
  ivr: 'an IVR',
  queue: 'a queue',
  ring_group: 'a ring group',
  system: 'a system entity (parking, voice agent, feature code)',
};

function partyText(f: LegFacts): string {
  const name = f.dst.displayName;
  const number = f.dst.dn || f.dst.callerId;
  if (name && number) return `${name} (${number})`;
  return name || number || '(no name)';
}

/**
 * Extensions by the last rule only (a short number), that never placed a call: an IVR, a ring
 * group or a queue would look like that in an export, which has no DN types; the admin says
 * which with `--dn-role`.
 */
function assumedExtensions(
  facts: ReadonlyMap<string, LegFacts[]>,
  rules: LegRuleOptions,
  polls: readonly UnkeyedQueuePoll[],
): AssumedExtension[] {
  const callers = new Set<string>(polls.map((p) => p.agent));
  const reached = new Map<string, AssumedExtension>();
  for (const legs of facts.values()) {
    for (const f of legs) {
      if (f.srcRole === 'extension') callers.add(f.src.dn);
      if (f.dstRole !== 'extension' || f.dst.dn === '' || rules.dnRoles?.[f.dst.dn]) continue;
      const known = reached.get(f.dst.dn);
      if (known) known.legs += 1;
      else reached.set(f.dst.dn, { dn: f.dst.dn, name: f.dst.displayName, legs: 1 });
    }
  }
  return [...reached.values()]
    .filter((e) => !callers.has(e.dn))
    .sort((a, b) => b.legs - a.legs || a.dn.localeCompare(b.dn));
}

function lastEnd(legs: readonly CallLeg[]): number {
  let end = 0;
  for (const leg of legs) end = Math.max(end, parseUtcMillis(leg.StartTime));
  return end;
}

function emptySummary(file: string, kind: FileSummary['kind']): FileSummary {
  return { file, kind, rows: 0, used: 0, duplicates: 0, footers: 0, problems: 0 };
}

function count(summary: FileSummary, problem: (p: ExportProblem) => void) {
  return (p: ExportProblem) => {
    summary.problems += 1;
    problem(p);
  };
}

/** The export's columns, or a clear error naming the file and what is missing. */
function headerOf<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MissingColumnsError) throw new ExportFormatError(file, error.message);
    throw error;
  }
}

/** A file that is not the export it was given as: the whole file cannot be used. */
export class ExportFormatError extends Error {
  override name = 'ExportFormatError';
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}
