import { eventsForSettledCall } from '../../lib/callEvent';
import type { CallDirection, CallOutcome } from '../../lib/settledCall';
import { formatTable } from '../cli/table';
import type { ReplayResult } from './replayExports';

const DIRECTIONS: readonly CallDirection[] = ['inbound', 'outbound', 'internal'];
const OUTCOMES: readonly CallOutcome[] = ['answered', 'voicemail', 'missed', 'abandoned'];
/** Long lists are cut here; `--json` has every call. */
const LIST_LIMIT = 50;

/** The replay as text: what was read, calls by direction × outcome, what fires, what differs. */
export function formatReplayReport(r: ReplayResult, timeZone: string): string {
  const out: string[] = [];
  out.push('Files');
  out.push(
    formatTable(
      r.files.map((f) => ({
        file: f.file,
        report: f.kind,
        rows: f.rows,
        used: f.used,
        duplicates: f.duplicates,
        'totals rows': f.footers,
        malformed: f.problems,
      })),
    ),
  );

  const settled = r.result.settled;
  out.push(
    `${r.legs} legs, ${settled.length} calls settled${r.result.pending.length ? `, ${r.result.pending.length} pending` : ''}.`,
  );
  out.push('');
  out.push('Calls by direction and outcome');
  out.push(
    formatTable(
      DIRECTIONS.map((direction) => {
        const row: Record<string, string | number> = { direction };
        let total = 0;
        for (const outcome of OUTCOMES) {
          const n = settled.filter(
            (c) => c.direction === direction && c.outcome === outcome,
          ).length;
          row[outcome] = n;
          total += n;
        }
        row.total = total;
        return row;
      }),
    ),
  );

  const missed = settled.filter((c) =>
    eventsForSettledCall(c, { includeInternal: false }).includes('call.missed'),
  );
  const byOutcome = OUTCOMES.filter((o) => o !== 'answered')
    .map((o) => `${missed.filter((c) => c.outcome === o).length} ${o}`)
    .join(', ');
  const withheld = missed.filter((c) => c.caller_anonymous).length;
  out.push(
    `call.missed would fire ${missed.length} time${missed.length === 1 ? '' : 's'} (${byOutcome}); ${withheld} from withheld numbers.`,
  );
  out.push(
    `Abandoned queue calls given the agents the queue polled: ${r.queuePolls.calls}` +
      (r.queuePolls.unmatchedRows > 0
        ? ` (${r.queuePolls.unmatchedRows} abandoned-queue rows matched no call)`
        : '') +
      `. Calls with their DID: ${r.dialedNumbers}.`,
  );
  out.push('');

  out.push(`Disagreements with 3CX's own statuses: ${r.disagreements.length}`);
  for (const d of r.disagreements.slice(0, LIST_LIMIT)) {
    const c = d.call;
    const caller = c.caller_anonymous
      ? 'withheld'
      : (c.caller_number ?? (c.caller_number_raw || '?'));
    out.push(
      `  ${localTime(c.started_ms, timeZone)}  ${c.call_id}  ${c.direction} from ${caller}: bridge ${c.outcome}, 3CX ${d.threecxAnswered ? 'answered' : 'not answered'}`,
    );
    for (const reason of d.reasons) out.push(`      ${reason}`);
  }
  more(out, r.disagreements.length);
  out.push('');

  out.push(`Malformed rows: ${r.problems.length}`);
  for (const p of r.problems.slice(0, LIST_LIMIT)) {
    out.push(`  ${p.file} line ${p.line}${p.column ? `, column ${p.column}` : ''}: ${p.message}`);
  }
  more(out, r.problems.length);
  out.push('');

  const unknown = r.unknownShapes.reduce((n, s) => n + s.count, 0);
  out.push(`Unknown leg shapes: ${unknown} legs`);
  for (const s of r.unknownShapes.slice(0, LIST_LIMIT)) {
    out.push(`  ${s.count} × ${s.shape}   (first: ${s.example.file} line ${s.example.line})`);
  }
  if (r.assumedExtensions.length > 0) {
    out.push('');
    out.push(
      'Read as extensions, yet never placed a call: if one is an IVR, queue or ring group, say so with --dn-role DN=ivr|queue|ring_group|system',
    );
    for (const e of r.assumedExtensions.slice(0, LIST_LIMIT)) {
      out.push(`  ${e.dn}  ${e.name || '(no name)'}  (${e.legs} legs)`);
    }
    more(out, r.assumedExtensions.length);
  }
  return `${out.join('\n')}\n`;
}

function more(out: string[], n: number): void {
  if (n > LIST_LIMIT) out.push(`  … and ${n - LIST_LIMIT} more (see --json for every call)`);
}

/** The PBX's own wall-clock time, as the export shows it. */
function localTime(ms: number, timeZone: string): string {
  return new Date(ms).toLocaleString('sv-SE', { timeZone, hour12: false }).replace('T', ' ');
}
