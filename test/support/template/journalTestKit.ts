import type { SimCall } from '../../../sim';
import type { TestBridge } from '../testBridge';
import { TEMPLATE_PATH, TemplateRunner, type ScenarioRun } from '../templateRunner';
import { reportCallVariables, type JournaledCall } from './reportCallVariables';

/**
 * What the journal integration tests share: 3CX's side (the template runner pointed at the
 * test bridge with a location's key), a location without XAPI, and the store's row counts.
 */

/** 3cx-template.xml as a 3CX admin would configure it for this bridge and key. */
export function threecxFor(
  t: TestBridge,
  apiKey: string,
  parameters: Record<string, string> = {},
): TemplateRunner {
  return TemplateRunner.fromFile(TEMPLATE_PATH, {
    parameters: { BridgeUrl: t.url, ApiKey: apiKey, ...parameters },
  });
}

/** 3CX reports a finished call through the template: the journal POST and the bridge's answer. */
export async function journal(threecx: TemplateRunner, call: JournaledCall): Promise<ScenarioRun> {
  const runs = await threecx.run('ReportCall', reportCallVariables(call));
  return runs[0];
}

/** A location fed by the CRM-template journal alone (no Enterprise licence: no XAPI). */
export function addJournalOnlyLocation(
  t: TestBridge,
  name = 'Darwin Office',
): { locationId: string; apiKey: string } {
  const now = new Date(t.sim.clock.now());
  const location = t.bridge.store.locations.create(
    { name, country: 'AU', timezone: 'Australia/Darwin', settings: {} },
    now,
  );
  const { key } = t.bridge.store.apiKeys.create(location.id, '3cx template', now);
  t.bridge.refreshLocations();
  return { locationId: location.id, apiKey: key };
}

/**
 * What 3CX would journal for a simulated call: `Missed` for an inbound call nobody answered
 * (voicemail too: it is no call type [inf docs/3cx-facts.md §4.4]), `Inbound` for an answered one; the
 * agent is the one who answered or the first who rang.
 */
export function journaledCallFor(
  call: SimCall,
  overrides: Partial<JournaledCall> = {},
): JournaledCall {
  const answered = call.expected.outcome === 'answered';
  const agent = call.expected.answeredBy ?? call.expected.agentsRung[0] ?? '';
  const answeringLeg = call.legs.find((l) => l.row.Answered && l.destinationKind === 'extension');
  return {
    callType: answered ? 'Inbound' : 'Missed',
    number: call.caller,
    agent,
    startedAt: call.startedAt,
    establishedAt: answered && answeringLeg ? answeringLeg.ringEndedAt : null,
    endedAt: call.endedAt,
    queue: call.expected.queue ?? undefined,
    ...overrides,
  };
}

/** Rows per table: "nothing stored" is these staying the same. */
export function tableCounts(t: TestBridge): Record<string, number> {
  const count = (table: string) =>
    Number(
      (t.bridge.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n,
    );
  return {
    journal_entries: count('journal_entries'),
    calls: count('calls'),
    events: count('events'),
    deliveries: count('deliveries'),
    contacts: count('contacts'),
  };
}

/** A journal entry's row, for asserting what became of it. */
export function journalEntryRow(
  t: TestBridge,
  callId: string,
): Record<string, unknown> | undefined {
  return t.bridge.store.db
    .prepare(
      'SELECT status, events_call_id, matched_call_id FROM journal_entries WHERE call_id = ?',
    )
    .get(callId) as Record<string, unknown> | undefined;
}

/** The bridge's API with a location's key (JSON in, JSON out). */
export async function api(
  t: TestBridge,
  key: string,
  method: string,
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
