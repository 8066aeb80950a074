import { TemplateRunner, acceptedContact } from '../support/templateRunner';
import { startJsonEndpoint, type JsonEndpoint } from '../support/template/jsonEndpoint';
import { evaluate, variableReferences } from '../support/template/templateExpression';
import { shapeNumber } from '../support/template/templateNumber';
import { DateTimeValue, TimeSpanValue } from '../support/template/templateValue';

/**
 * The template runner itself, on small inline templates against a loopback endpoint: if the
 * runner is wrong, the tests of 3cx-template.xml prove nothing.
 */
function template(
  scenarios: string,
  options: { number?: string; params?: string; concurrency?: number } = {},
) {
  return `<?xml version="1.0" encoding="utf-8"?>
<Crm Country="AU" Name="Test" Version="1">
  ${options.number ?? '<Number Prefix="AsIs" MaxLength="" />'}
  <Connection MaxConcurrentRequests="${options.concurrency ?? 2}" />
  <Parameters>
    <Parameter Name="Base" Type="String" Title="Base" Default="" />
    <Parameter Name="Enabled" Type="Boolean" Title="Enabled" Default="True" />
    ${options.params ?? ''}
  </Parameters>
  <Authentication Type="No" />
  <Scenarios>${scenarios}</Scenarios>
</Crm>`;
}

function post(values: string, attrs = '') {
  return `<Scenario Id="Post" Type="REST">
    <Request Url="[Base]/post" RequestEncoding="Json" RequestType="Post" ResponseType="Json" ${attrs}>
      <PostValues Key="">${values}</PostValues>
    </Request>
    <Variables /><Outputs AllowEmpty="true" />
  </Scenario>`;
}

let crm: JsonEndpoint;
beforeEach(async () => {
  crm = await startJsonEndpoint();
});
afterEach(async () => {
  await crm.close();
});

function runner(xml: string, parameters: Record<string, string> = {}) {
  return TemplateRunner.fromXml(xml, { parameters: { Base: crm.url, ...parameters } });
}

async function posted(xml: string, variables: Record<string, unknown>, parameters = {}) {
  const [run] = await runner(xml, parameters).run('Post', variables as never);
  return run.request?.fields as Record<string, unknown>;
}

describe('expressions', () => {
  it('substitutes parameters and variables; Passes 0 is literal, 2 expands what 1 produced', async () => {
    const xml = template(
      post(`
        <Value Key="zero" Passes="0" Type="String">[Greeting]</Value>
        <Value Key="one" Passes="1" Type="String">[Greeting]</Value>
        <Value Key="two" Passes="2" Type="String">[[Greeting]]</Value>`),
      { params: '<Parameter Name="Greeting" Type="String" Title="G" Default="Hello [Number]" />' },
    );
    expect(await posted(xml, { Number: '+61412345678' })).toEqual({
      zero: '[Greeting]',
      one: 'Hello [Number]',
      two: 'Hello +61412345678',
    });
  });

  it('formats date-times with .NET format strings, and [DateTime]-style text by culture', () => {
    const at = new DateTimeValue(Date.UTC(2026, 2, 2, 9, 5, 7, 250));
    const scope = new Map<string, never>([['Start', at as never]]);
    expect(evaluate('[[Start].ToString("yyyy-MM-ddTHH:mm:ssZ")]', scope)).toBe(
      '2026-03-02T09:05:07Z',
    );
    expect(evaluate('[[Start].ToString("u")]', scope)).toBe('2026-03-02 09:05:07Z');
    expect(evaluate('[[Start].ToString("dd.MM.yyyy HH:mm")]', scope)).toBe('02.03.2026 09:05');
    expect(evaluate('[Start]', scope)).toBe('3/2/2026 9:05:07 AM');
    const local = new DateTimeValue(Date.UTC(2026, 2, 2, 9, 5, 7), 630);
    expect(evaluate('[[L].ToString("HH:mm K")]', new Map([['L', local as never]]))).toBe(
      '19:35 +10:30',
    );
  });

  it('calls get_TotalSeconds() on a TimeSpan and formats the number', () => {
    const scope = new Map<string, never>([['D', new TimeSpanValue(65.6) as never]]);
    expect(evaluate('[[[D].get_TotalSeconds()].ToString("F0")]', scope)).toBe('66');
    expect(evaluate('[[D].get_TotalSeconds()]', scope)).toBe('65.6');
    expect(evaluate('[D]', scope)).toBe('00:01:05.6000000');
  });

  it('evaluates IIf, nested, with quoted branches', () => {
    const scope = new Map<string, never>([
      ['CallType', 'Missed' as never],
      ['Agent', '101' as never],
    ]);
    expect(evaluate('[IIf([CallType]==Missed,"missed by [Agent]","taken")]', scope)).toBe(
      'missed by 101',
    );
    expect(
      evaluate('[IIf([CallType]!=Missed,"taken",[IIf([Agent]==101,"Alice","someone")])]', scope),
    ).toBe('Alice');
  });

  it('leaves an unknown variable as its placeholder, as 3CX does, and refuses unmodelled methods', () => {
    const scope = new Map<string, never>([['N', '+61412345678' as never]]);
    expect(evaluate('[Transcription] [N]', scope)).toBe('[Transcription] +61412345678');
    expect(evaluate('[[N].Replace("+","%2B")]', scope)).toBe('%2B61412345678');
    expect(() => evaluate('[[N].PadLeft(20)]', scope)).toThrow(/not modelled/);
  });

  it('lists the variables a text refers to, not method names or literals', () => {
    expect(
      variableReferences(
        'Bearer [ApiKey] [[[DurationTimespan].get_TotalSeconds()].ToString("F0")] [IIf([A]==1,"x",[Contact::ContactID])]',
      ),
    ).toEqual(['ApiKey', 'DurationTimespan', 'A', 'Contact::ContactID']);
  });
});

describe('the <Number> element', () => {
  it.each([
    ['AsIs', '', '+61412345678', '+61412345678'],
    ['AsIs', '', '0061412345678', '0061412345678'],
    ['Off', '', '+61412345678', '61412345678'],
    ['Off', '', '0061412345678', '61412345678'],
    ['Plus', '', '0061412345678', '+61412345678'],
    ['Plus', '', '+61412345678', '+61412345678'],
    ['Plus', '', '0412345678', '0412345678'],
    ['Zeros', '', '+61412345678', '0061412345678'],
    ['Plus', '6', '+123456789', '456789'],
    ['AsIs', '9', '0412345678', '412345678'],
    ['AsIs', '12', '0412345678', '0412345678'],
  ])('Prefix=%s MaxLength=%s: %s → %s', (prefix, maxLength, raw, shaped) => {
    expect(shapeNumber(raw, prefix, maxLength)).toBe(shaped);
  });

  it('shapes [Number] before a scenario sees it, MaxLength from a parameter', async () => {
    const xml = template(post('<Value Key="n" Passes="1" Type="String">[Number]</Value>'), {
      number: '<Number Prefix="Zeros" MaxLength="[Digits]" />',
      params: '<Parameter Name="Digits" Type="Integer" Title="D" Default="" />',
    });
    expect(await posted(xml, { Number: '+61412345678' })).toEqual({ n: '0061412345678' });
    expect(await posted(xml, { Number: '+61412345678' }, { Digits: '9' })).toEqual({
      n: '412345678',
    });
  });
});

describe('requests', () => {
  it('skips a scenario whose SkipIf holds, and sends nothing', async () => {
    const xml = template(
      post(
        '<Value Key="a" Type="String">x</Value>',
        'SkipIf="[Enabled]!=True||[CallType]!=Missed"',
      ),
    );
    const skipped = await runner(xml, { Enabled: 'False' }).run('Post', { CallType: 'Missed' });
    expect(skipped[0].skipped).toBe(true);
    const other = await runner(xml).run('Post', { CallType: 'Inbound' });
    expect(other[0].skipped).toBe(true);
    const sent = await runner(xml).run('Post', { CallType: 'Missed' });
    expect(sent[0].skipped).toBe(false);
    expect(crm.requests).toHaveLength(1);
  });

  it('posts JSON or a form, with headers, and decodes &amp; in the URL', async () => {
    const xml = template(
      `
      <Scenario Id="Json" Type="REST">
        <Request Url="[Base]/j?a=1&amp;b=[Number]" RequestContentType="application/json" RequestEncoding="Json" RequestType="Post" ResponseType="Json">
          <Headers><Value Key="Authorization" Passes="1" Type="String">Bearer [Key]</Value></Headers>
          <PostValues Key="">
            <Value Key="text" Type="String">[Number]</Value>
            <Value Key="count" Type="Integer">42</Value>
            <Value Key="flag" Type="Boolean">[Enabled]</Value>
            <Value Key="gone" SkipIf="[Enabled]==True" Type="String">x</Value>
          </PostValues>
        </Request>
        <Variables /><Outputs AllowEmpty="true" />
      </Scenario>
      <Scenario Id="Form" Type="REST">
        <Request Url="[Base]/f" RequestEncoding="UrlEncoded" RequestType="Post" ResponseType="Json">
          <PostValues Key=""><Value Key="n" Type="String">[Number]</Value><Value Key="s" Type="String">a b</Value></PostValues>
        </Request>
        <Variables /><Outputs AllowEmpty="true" />
      </Scenario>`,
      { params: '<Parameter Name="Key" Type="Password" Title="K" Default="" />' },
    );
    const r = runner(xml, { Key: 'cxb_secret' });
    await r.run('Json', { Number: '42' });
    await r.run('Form', { Number: '+61412345678' });
    const [json, form] = crm.requests;
    expect(json.method).toBe('POST');
    expect(json.url).toBe('/j?a=1&b=42');
    expect(json.headers.authorization).toBe('Bearer cxb_secret');
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body)).toEqual({ text: '42', count: 42, flag: true });
    expect(form.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(form.body))).toEqual({
      n: '+61412345678',
      s: 'a b',
    });
  });

  it('puts values into a Get URL as text: an E.164 plus arrives unencoded', async () => {
    const xml = template(`
      <Scenario Id="" Type="REST">
        <Request Url="[Base]/lookup?number=[Number]" RequestEncoding="UrlEncoded" RequestType="Get" ResponseType="Json" />
        <Variables /><Outputs AllowEmpty="true" />
      </Scenario>`);
    await runner(xml).run('', { Number: '+61412345678' });
    expect(crm.requests[0]).toMatchObject({ method: 'GET', url: '/lookup?number=+61412345678' });
  });

  it('keeps to MaxConcurrentRequests', async () => {
    crm.answer = () => ({ json: {}, delayMs: 30 });
    const xml = template(post('<Value Key="a" Type="String">x</Value>'), { concurrency: 2 });
    const r = runner(xml);
    await Promise.all(Array.from({ length: 6 }, () => r.run('Post', {})));
    expect(crm.requests).toHaveLength(6);
    expect(r.maxInFlight).toBe(2);
  });
});

describe('answers', () => {
  const lookup = `
    <Scenario Id="" Type="REST">
      <Request Url="[Base]/lookup?n=[Number]" RequestEncoding="UrlEncoded" RequestType="Get" ResponseType="Json" />
      <Rules><Rule Type="Any">result.id</Rule></Rules>
      <Variables>
        <Variable Name="Id" Path="result.id"><Filter /></Variable>
        <Variable Name="First" Path="result.names[0]"><Filter /></Variable>
        <Variable Name="Phone" Path="result.phones.1"><Filter /></Variable>
        <Variable Name="Vip" Path="result.vip"><Filter /></Variable>
      </Variables>
      <Outputs AllowEmpty="false" Next="After">
        <Output Type="ContactID" Passes="1" Value="[Id]" />
        <Output Type="FirstName" Passes="1" Value="[First]" />
        <Output Type="LastName" Passes="1" Value="[IIf([Vip]==True,&quot;(VIP)&quot;,&quot;&quot;)]" />
        <Output Type="PhoneMobile" Passes="1" Value="[Phone]" />
        <Output Type="ContactUrl" Passes="1" Value="https://crm.example/c/[Id]?x=1&amp;y=2" />
        <Output Type="Email" Passes="1" Value="[Missing]" />
      </Outputs>
    </Scenario>
    <Scenario Id="After" Type="REST">
      <Request Url="[Base]/after/[Id]" RequestEncoding="UrlEncoded" RequestType="Get" ResponseType="Json" />
      <Variables /><Outputs AllowEmpty="true" />
    </Scenario>`;

  it('tests Rules, reads Variables by JSON path, builds Outputs, follows Next', async () => {
    crm.answer = (req) =>
      req.url.startsWith('/lookup')
        ? {
            json: {
              result: { id: 'c7', names: ['Jane'], phones: ['x', '+61412345678'], vip: true },
            },
          }
        : { json: {} };
    const runs = await runner(template(lookup)).run('', { Number: '+61412345678' });
    expect(runs.map((r) => r.scenarioId)).toEqual(['', 'After']);
    expect(runs[0].matched).toBe(true);
    expect(runs[0].variables).toEqual({
      Id: 'c7',
      First: 'Jane',
      Phone: '+61412345678',
      Vip: 'True',
    });
    expect(runs[0].outputs).toEqual({
      ContactID: 'c7',
      FirstName: 'Jane',
      LastName: '(VIP)',
      PhoneMobile: '+61412345678',
      ContactUrl: 'https://crm.example/c/c7?x=1&y=2',
      Email: '[Missing]',
    });
    expect(crm.requests[1].url).toBe('/after/c7');
  });

  it('finds nothing when a Rule fails or the answer is not 2xx', async () => {
    crm.answer = () => ({ json: { result: {} } });
    const { run, contact } = await runner(template(lookup)).lookup('+61412345678');
    expect(run.matched).toBe(false);
    expect(run.outputs).toEqual({});
    expect(contact).toBeNull();
    crm.answer = () => ({ status: 401, json: { result: { id: 'c7' } } });
    expect((await runner(template(lookup)).lookup('+61412345678')).contact).toBeNull();
  });

  it("keeps a contact only as 3CX does: a URL, a name and the searched number's phone", () => {
    const run = (outputs: Record<string, string>) => ({
      scenarioId: '',
      skipped: false,
      request: null,
      response: null,
      matched: true,
      variables: {},
      outputs,
    });
    const full = { ContactUrl: 'u', LastName: 'Citizen', PhoneBusiness: '+61412345678' };
    expect(acceptedContact(run(full), '+61412345678')).toEqual(full);
    expect(acceptedContact(run(full), '412345678')).toEqual(full);
    expect(acceptedContact(run({ ...full, ContactUrl: '' }), '+61412345678')).toBeNull();
    expect(acceptedContact(run({ ...full, LastName: '' }), '+61412345678')).toBeNull();
    expect(
      acceptedContact(run({ ...full, PhoneBusiness: '+61400000000' }), '+61412345678'),
    ).toBeNull();
  });
});
