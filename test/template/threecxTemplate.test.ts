import { readFileSync } from 'node:fs';
import { XMLValidator } from 'fast-xml-parser';
import { TEMPLATE_PATH } from '../support/templateRunner';
import { BUILT_IN_VARIABLES, OUTPUT_TYPES } from '../support/template/builtInVariables';
import { readCrmTemplateFile, type TemplateScenario } from '../support/template/crmTemplate';
import { variableReferences } from '../support/template/templateExpression';

/**
 * 3cx-template.xml as 3CX reads it (docs/3cx-facts.md §4): a template 3CX refuses or half-evaluates
 * fails an admin's import or, worse, journals calls with the wrong times. Checked on every build.
 */
const xml = readFileSync(TEMPLATE_PATH, 'utf8');
const template = readCrmTemplateFile(TEMPLATE_PATH);
const scenario = (id: string) => template.scenarios.find((s) => s.id === id)!;
const declared = new Set(template.parameters.map((p) => p.name));

/** Every expression-bearing text of a scenario, with where it is. */
function texts(s: TemplateScenario): Array<[string, string]> {
  const r = s.request;
  return [
    ['SkipIf', r.skipIf ?? ''],
    ['Url', r.url],
    ...r.headers.map((h): [string, string] => [`header ${h.key}`, h.text]),
    ...r.postValues.map((v): [string, string] => [`post value ${v.key}`, v.text]),
    ...r.postValues.map((v): [string, string] => [`post value ${v.key} SkipIf`, v.skipIf ?? '']),
    ...s.outputs.items.map((o): [string, string] => [`output ${o.type}`, o.value]),
  ];
}

describe('3cx-template.xml', () => {
  it('is well-formed XML with every & escaped', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;|apos;|#\d+;)/);
  });

  it('has the <Crm> attributes and children 3CX requires, in order', () => {
    expect(template.name).not.toBe('');
    expect(template.version).toMatch(/^\d+$/);
    // Country is unused but mandatory [off d-crm].
    expect(template.country).toMatch(/^[A-Z]{2}$/);
    expect(template.childOrder).toEqual([
      'Number',
      'Connection',
      'Parameters',
      'Authentication',
      'Scenarios',
    ]);
  });

  it('sends numbers to the bridge as +E.164, whole', () => {
    expect(template.number).toEqual({ prefix: 'Plus', maxLength: '' });
    const n = Number(template.maxConcurrentRequests);
    expect(Number.isInteger(n) && n >= 1 && n <= 16).toBe(true);
  });

  it('asks the admin for the bridge URL and API key, with journaling on by default', () => {
    const p = Object.fromEntries(template.parameters.map((x) => [x.name, x]));
    expect(p.BridgeUrl).toMatchObject({ type: 'String', parent: 'General Configuration' });
    expect(p.ApiKey).toMatchObject({ type: 'Password', parent: 'General Configuration' });
    expect(p.ReportCallEnabled).toMatchObject({ type: 'Boolean', default: 'True' });
    for (const parameter of template.parameters) {
      expect(parameter.title.length).toBeGreaterThan(10);
      expect(['String', 'Password', 'Boolean', 'Integer']).toContain(parameter.type);
    }
  });

  it('has the lookup, journal and create-contact scenarios, each authenticated to the bridge', () => {
    expect(template.scenarios.map((s) => s.id)).toEqual([
      '',
      'ReportCall',
      'CreateContactRecordFromClient',
    ]);
    for (const s of template.scenarios) {
      expect(s.type).toBe('REST');
      expect(s.request.url.startsWith('[BridgeUrl]/3cx/')).toBe(true);
      expect(['Get', 'Post']).toContain(s.request.requestType);
      expect(['Json', 'UrlEncoded']).toContain(s.request.requestEncoding);
      expect(s.request.responseType).toBe('Json');
      if (s.request.requestType === 'Post') expect(s.request.requestEncoding).toBe('Json');
      expect(s.request.headers).toEqual([
        expect.objectContaining({ key: 'Authorization', text: 'Bearer [ApiKey]', passes: 1 }),
      ]);
      for (const v of [...s.request.headers, ...s.request.postValues])
        expect(v.type).toBe('String');
    }
    expect(scenario('').request).toMatchObject({
      requestType: 'Get',
      url: '[BridgeUrl]/3cx/lookup?number=[Number]',
    });
    expect(scenario('ReportCall').request.requestType).toBe('Post');
    expect(scenario('CreateContactRecordFromClient').request.requestType).toBe('Post');
  });

  it('uses only declared parameters, its own variables and documented 3CX variables', () => {
    for (const s of template.scenarios) {
      const own = new Set(s.variables.map((v) => v.name));
      const builtIns = new Set((BUILT_IN_VARIABLES[s.id] ?? []).map((b) => b.name));
      for (const [where, text] of texts(s)) {
        for (const name of variableReferences(text)) {
          const known = declared.has(name) || own.has(name) || builtIns.has(name);
          if (!known) throw new Error(`scenario "${s.id}" ${where}: [${name}] is not declared`);
        }
      }
      // A response variable must not shadow a 3CX variable or a parameter.
      for (const v of own) expect(declared.has(v) || builtIns.has(v)).toBe(false);
    }
    const used = new Set(
      template.scenarios.flatMap((s) => texts(s).flatMap(([, t]) => variableReferences(t))),
    );
    used.add('MaxLength');
    for (const p of declared) expect(used).toContain(p);
  });

  it('maps the lookup answer to the contact outputs 3CX shows', () => {
    for (const id of ['', 'CreateContactRecordFromClient']) {
      const s = scenario(id);
      expect(s.rules).toEqual([{ type: 'Any', path: 'contact.id', ethalon: undefined }]);
      const types = s.outputs.items.map((o) => o.type);
      for (const t of types) expect(OUTPUT_TYPES).toContain(t);
      expect(types).toEqual(
        expect.arrayContaining([
          'ContactID',
          'FirstName',
          'LastName',
          'CompanyName',
          'Email',
          'PhoneBusiness',
          'ContactUrl',
        ]),
      );
      const paths = Object.fromEntries(s.variables.map((v) => [v.name, v.path]));
      for (const o of s.outputs.items) {
        for (const name of variableReferences(o.value)) expect(paths[name]).toMatch(/^contact\./);
      }
    }
  });

  it('journals every call type with explicit UTC times, never the culture-formatted [DateTime]', () => {
    const report = scenario('ReportCall');
    expect(report.request.skipIf).toBe('[ReportCallEnabled]!=True');
    const values = Object.fromEntries(report.request.postValues.map((v) => [v.key, v]));
    expect(Object.keys(values).sort()).toEqual(
      [
        'call_type',
        'direction',
        'number',
        'name',
        'agent',
        'agent_first_name',
        'agent_last_name',
        'agent_email',
        'duration_seconds',
        'duration',
        'started_at',
        'established_at_ms',
        'ended_at',
        'queue',
        'contact_id',
        'entity_id',
      ].sort(),
    );
    for (const key of ['started_at', 'ended_at']) {
      // "u" is .NET's universal sortable pattern: invariant culture and calendar, unlike a
      // custom "yyyy-MM-ddTHH:mm:ssZ" whose ':' is the culture's time separator.
      expect(values[key].text).toMatch(/^\[\[Call\w+TimeUTC\]\.ToString\("u"\)\]$/);
      expect(values[key].passes).toBe(2);
    }
    // A Missed or Notanswered call has no answer time: a number, never a formatted time (§8).
    expect(values.established_at_ms.text).toBe('[CallEstablishedTimeUTCMillis]');
    expect(values.duration_seconds.text).toBe(
      '[[[DurationTimespan].get_TotalSeconds()].ToString("F0")]',
    );
    const referenced = template.scenarios.flatMap((s) =>
      texts(s).flatMap(([, t]) => variableReferences(t)),
    );
    expect(referenced).not.toContain('DateTime');
  });
});
