/**
 * The variables 3CX itself provides to a CRM template, per scenario, with the evidence for
 * each (docs/3cx-facts.md tags: off = 3CX docs, obs = seen in a production template, 3p = third
 * party, unv = unverified). The template's static check accepts a `[Name]` only when it is a
 * declared `<Parameter>`, the scenario's own `<Variable>`, or listed here. docs/3cx-template.md
 * shows the same table.
 */
export interface BuiltInVariable {
  name: string;
  evidence: string;
  meaning: string;
}

const NUMBER: BuiltInVariable = {
  name: 'Number',
  evidence: 'off d-crm; obs tkd',
  meaning: 'the outside number, shaped by <Number>',
};

export const BUILT_IN_VARIABLES: Record<string, readonly BuiltInVariable[]> = {
  '': [NUMBER],
  ReportCall: [
    { name: 'CallType', evidence: 'obs tkd', meaning: 'Inbound, Missed, Outbound, Notanswered' },
    { name: 'CallDirection', evidence: 'unv', meaning: 'Inbound or Outbound' },
    NUMBER,
    { name: 'Name', evidence: 'unv', meaning: 'the outside party as 3CX shows it' },
    { name: 'Agent', evidence: 'obs tkd', meaning: "the agent's extension number" },
    { name: 'AgentFirstName', evidence: 'unv', meaning: "the agent's first name" },
    { name: 'AgentLastName', evidence: 'unv', meaning: "the agent's last name" },
    { name: 'AgentEmail', evidence: 'unv', meaning: "the agent's e-mail" },
    { name: 'Duration', evidence: 'unv', meaning: 'hh:mm:ss text' },
    { name: 'DurationTimespan', evidence: 'obs tkd', meaning: 'the duration as a .NET TimeSpan' },
    { name: 'CallStartTimeUTC', evidence: '3p zam', meaning: 'the start, a UTC DateTime' },
    { name: 'CallEstablishedTimeUTC', evidence: 'unv', meaning: 'the answer, a UTC DateTime' },
    {
      name: 'CallEstablishedTimeUTCMillis',
      evidence: '3p alga-psa (docs/3cx-facts.md §8)',
      meaning: 'the answer, ms since 1970 UTC; 0 for a call never answered [inf]',
    },
    { name: 'CallEndTimeUTC', evidence: 'unv', meaning: 'the end, a UTC DateTime' },
    { name: 'QueueExtension', evidence: 'obs tkd', meaning: 'the queue DN, if queued' },
    { name: 'EntityId', evidence: 'unv', meaning: 'the matched contact (empty if none)' },
    {
      name: 'Contact::ContactID',
      evidence: 'obs tkd',
      meaning: "the matched contact's ContactID output",
    },
  ],
  CreateContactRecordFromClient: [
    NUMBER,
    { name: 'FirstName', evidence: 'unv', meaning: 'what the agent typed' },
    { name: 'LastName', evidence: 'unv', meaning: 'what the agent typed' },
    {
      name: 'Company',
      evidence: 'obs public templates (docs/3cx-facts.md §8)',
      meaning: 'what the agent typed',
    },
    { name: 'Email', evidence: 'unv', meaning: 'what the agent typed' },
  ],
};

/** `<Output Type>` values 3CX understands (docs/3cx-facts.md §4.2: obs tkd; the rarer ones unv). */
export const OUTPUT_TYPES = [
  'ContactID',
  'FirstName',
  'LastName',
  'CompanyName',
  'Email',
  'PhoneBusiness',
  'PhoneBusiness2',
  'PhoneHome',
  'PhoneMobile',
  'PhoneMobile2',
  'PhoneOther',
  'FaxBusiness',
  'ContactUrl',
  'EntityId',
  'EntityType',
  'CustomValue',
] as const;
