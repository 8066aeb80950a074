import { journalEntrySchema, toJournalEntry } from '../../bridge/journal/journalEntry';
import { TEMPLATE_PATH, TemplateRunner } from '../support/templateRunner';
import { startJsonEndpoint, type JsonEndpoint } from '../support/template/jsonEndpoint';
import { reportCallVariables, type JournaledCall } from '../support/template/reportCallVariables';

/**
 * 3cx-template.xml's `ReportCall` run the way 3CX runs it, for calls that were never answered:
 * their `[CallEstablishedTimeUTC]` is unset, and formatting it may fail inside 3CX
 * (docs/3cx-facts.md §8), so a call 3CX cannot journal would be a missed call lost.
 */
let crm: JsonEndpoint;
beforeEach(async () => {
  crm = await startJsonEndpoint();
  crm.answer = () => ({ json: { status: 'released' } });
});
afterEach(() => crm.close());

const START = Date.UTC(2026, 2, 2, 9, 0, 0);
const runner = () =>
  TemplateRunner.fromFile(TEMPLATE_PATH, {
    parameters: { BridgeUrl: crm.url, ApiKey: 'cxb_test' },
  });

async function journaled(call: JournaledCall) {
  const [run] = await runner().run('ReportCall', reportCallVariables(call));
  expect(run.skipped).toBe(false);
  expect(run.request?.url).toBe(`${crm.url}/3cx/journal`);
  return toJournalEntry(journalEntrySchema.parse(run.request?.fields));
}

describe('ReportCall for a call never answered', () => {
  it('journals a Missed call without formatting its unset answer time', async () => {
    const entry = await journaled({
      callType: 'Missed',
      number: '+353871234567',
      agent: '101',
      startedAt: START,
      establishedAt: null,
      endedAt: START + 25_000,
    });
    expect(entry).toMatchObject({
      callType: 'missed',
      startedAt: START,
      establishedAt: null,
      endedAt: START + 25_000,
      durationSeconds: 0,
    });
  });

  it('journals a Notanswered (outbound) call the same way', async () => {
    const entry = await journaled({
      callType: 'Notanswered',
      number: '+353871234567',
      agent: '102',
      startedAt: START,
      endedAt: START + 30_000,
    });
    expect(entry).toMatchObject({ callType: 'notanswered', establishedAt: null });
  });

  it('still sends the answer time of an answered call', async () => {
    const entry = await journaled({
      callType: 'Inbound',
      number: '+353871234567',
      agent: '101',
      startedAt: START,
      establishedAt: START + 8_000,
      endedAt: START + 68_000,
    });
    expect(entry).toMatchObject({ establishedAt: START + 8_000, durationSeconds: 60 });
  });

  it('fails, as 3CX may, a template that formats the unset time', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<Crm Country="IE" Name="Old" Version="1">
  <Number Prefix="Plus" MaxLength="" />
  <Connection MaxConcurrentRequests="2" />
  <Parameters><Parameter Name="BridgeUrl" Type="String" Title="Url" Default="" /></Parameters>
  <Authentication Type="No" />
  <Scenarios>
    <Scenario Id="ReportCall" Type="REST">
      <Request Url="[BridgeUrl]/3cx/journal" RequestEncoding="Json" RequestType="Post" ResponseType="Json">
        <PostValues Key="">
          <Value Key="established_at" Passes="2" Type="String">[[CallEstablishedTimeUTC].ToString("u")]</Value>
        </PostValues>
      </Request>
      <Variables /><Outputs AllowEmpty="true" />
    </Scenario>
  </Scenarios>
</Crm>`;
    const old = TemplateRunner.fromXml(xml, { parameters: { BridgeUrl: crm.url } });
    const call = {
      callType: 'Missed',
      number: '+353871234567',
      agent: '101',
      startedAt: START,
      endedAt: START,
    } as const;
    await expect(old.run('ReportCall', reportCallVariables(call))).rejects.toThrow(
      /CallEstablishedTimeUTC\], a time this call never had/,
    );
  });
});
