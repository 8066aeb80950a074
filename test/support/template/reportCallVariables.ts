import {
  DateTimeValue,
  TimeSpanValue,
  UnsetDateTimeValue,
  type TemplateValue,
} from './templateValue';

/** A finished call as 3CX's call journaling sees it (docs/3cx-facts.md §4.4). */
export interface JournaledCall {
  callType: 'Inbound' | 'Missed' | 'Outbound' | 'Notanswered';
  /** The outside number as 3CX has it, before the template's `<Number>` element. */
  number: string;
  name?: string;
  agent: string;
  agentFirstName?: string;
  agentLastName?: string;
  agentEmail?: string;
  /** Epoch ms. */
  startedAt: number;
  /** When an agent (or the outside party) answered; none for an unanswered call. */
  establishedAt?: number | null;
  endedAt: number;
  queue?: string;
  /** The contact the lookup matched (`[Contact::ContactID]`, `[EntityId]`). */
  contactId?: string;
  /** The PBX's UTC offset, for `[DateTime]` and the `…Local` times. */
  pbxOffsetMinutes?: number;
}

/**
 * The variables 3CX gives the `ReportCall` scenario for one call. `[Duration]` is the talk
 * time (0 for an unanswered call) [unv]; an unanswered call's established time is unset
 * (formatting it fails, docs/3cx-facts.md §8) and its `…Millis` is 0 [inf]; `[DateTime]` is
 * the PBX's local, culture-formatted start [obs tkd].
 */
export function reportCallVariables(call: JournaledCall): Record<string, TemplateValue> {
  const offset = call.pbxOffsetMinutes ?? 0;
  const established = call.establishedAt ?? null;
  const talkSeconds = established === null ? 0 : Math.max(0, (call.endedAt - established) / 1000);
  const inbound = call.callType === 'Inbound' || call.callType === 'Missed';
  const variables: Record<string, TemplateValue> = {
    CallType: call.callType,
    CallDirection: inbound ? 'Inbound' : 'Outbound',
    Number: call.number,
    Name: call.name ?? '',
    Agent: call.agent,
    AgentFirstName: call.agentFirstName ?? '',
    AgentLastName: call.agentLastName ?? '',
    AgentEmail: call.agentEmail ?? '',
    Duration: clock(talkSeconds),
    DurationTimespan: new TimeSpanValue(talkSeconds),
    DateTime: new DateTimeValue(call.startedAt, offset),
    CallStartTimeUTC: new DateTimeValue(call.startedAt),
    CallStartTimeLocal: new DateTimeValue(call.startedAt, offset),
    CallEstablishedTimeUTC:
      established === null
        ? new UnsetDateTimeValue('CallEstablishedTimeUTC')
        : new DateTimeValue(established),
    CallEstablishedTimeUTCMillis: established ?? 0,
    CallEndTimeUTC: new DateTimeValue(call.endedAt),
    CallEndTimeLocal: new DateTimeValue(call.endedAt, offset),
    QueueExtension: call.queue ?? '',
    EntityId: call.contactId ?? '',
    EntityType: call.contactId ? 'Contacts' : '',
    'Contact::ContactID': call.contactId ?? '',
  };
  return variables;
}

function clock(seconds: number): string {
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
