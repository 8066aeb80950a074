import {
  bindArguments,
  parseFunctionSegment,
  parseODataDateTime,
} from '../../sim/odata/functionCall';
import { XapiError } from '../../sim/odata/odataError';

describe('OData function-call parsing', () => {
  it('splits arguments, undoing doubled quotes inside string literals', () => {
    const call = parseFunctionSegment("Pbx.F(a=2026-03-01T00:00:00Z,b='It''s, (odd)',c=0,d='')");
    expect(call?.name).toBe('Pbx.F');
    expect(call?.args.map(([n, a]) => [n, a.quoted, a.quoted ? a.value : a.text])).toEqual([
      ['a', false, '2026-03-01T00:00:00Z'],
      ['b', true, "It's, (odd)"],
      ['c', false, '0'],
      ['d', true, ''],
    ]);
  });

  it.each(["F(a='open)", 'F(a=1,)', 'F(a)', 'F', "F(a='x'b)"])(
    'treats %s as no function call',
    (segment) => {
      expect(parseFunctionSegment(segment)).toBeNull();
    },
  );

  it('binds typed values and reports wrong types as 500, wrong names as 404', () => {
    const specs = [
      { name: 'from', type: 'date-time' as const },
      { name: 'n', type: 'int32' as const },
      { name: 's', type: 'string' as const },
      { name: 'b', type: 'boolean' as const },
    ];
    const bind = (text: string) =>
      bindArguments('F', parseFunctionSegment(`F(${text})`)!.args, specs);
    expect(bind('from=2026-03-01T10:30:00.1234567+10:30,n=-5,s=null,b=false')).toEqual({
      from: Date.parse('2026-03-01T00:00:00.123Z'),
      n: -5,
      s: null,
      b: false,
    });
    const status = (text: string) => {
      try {
        bind(text);
        return 200;
      } catch (e) {
        return (e as XapiError).status;
      }
    };
    expect(status("from=2026-03-01T00:00:00Z,n=1,s='x'")).toBe(404);
    expect(status("from=2026-03-01T00:00:00Z,n=1,s='x',b=true,z=1")).toBe(404);
    expect(status("from=2026-03-01T00:00:00Z,n=1,n=2,s='x',b=true")).toBe(404);
    expect(status("from=2026-03-01,n=1,s='x',b=true")).toBe(500);
    expect(status("from=2026-03-01T00:00:00Z,n=2147483648,s='x',b=true")).toBe(500);
    expect(status('from=2026-03-01T00:00:00Z,n=1,s=x,b=true')).toBe(500);
    expect(status("from=2026-03-01T00:00:00Z,n=1,s='x',b=1")).toBe(500);
  });

  it('reads DT-PATTERN date-times only, and only real days', () => {
    expect(parseODataDateTime('2028-02-29T00:00:00Z')).toBe(Date.parse('2028-02-29T00:00:00Z'));
    for (const bad of [
      '2026-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-03-01T24:00:00Z',
      '2026-03-01T00:00:00',
      '2026-03-01 00:00:00Z',
    ]) {
      expect(parseODataDateTime(bad)).toBeNaN();
    }
  });
});
