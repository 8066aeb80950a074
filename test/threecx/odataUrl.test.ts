import {
  boolLiteral,
  dateTimeLiteral,
  functionCall,
  intLiteral,
  queryString,
  stringLiteral,
} from '../../lib/threecx/odataUrl';

/** The spec's date-time pattern (docs/xapi-schemas.md §0, DT-PATTERN). */
const DT_PATTERN =
  /^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$/;

describe('OData literals', () => {
  it('writes UTC date-times without milliseconds, matching the spec pattern', () => {
    const text = dateTimeLiteral(Date.UTC(2026, 2, 1));
    expect(text).toBe('2026-03-01T00:00:00Z');
    expect(text).toMatch(DT_PATTERN);
  });

  it('keeps milliseconds when there are some, still matching the pattern', () => {
    const text = dateTimeLiteral(Date.UTC(2026, 2, 1, 9, 15, 2, 123));
    expect(text).toBe('2026-03-01T09:15:02.123Z');
    expect(text).toMatch(DT_PATTERN);
  });

  it('quotes strings and doubles single quotes', () => {
    expect(stringLiteral('')).toBe("''");
    expect(stringLiteral("O'Brien")).toBe("'O''Brien'");
  });

  it('refuses what is not a literal', () => {
    expect(() => intLiteral(1.5)).toThrow(RangeError);
    expect(() => dateTimeLiteral(NaN)).toThrow(RangeError);
    expect(boolLiteral(true)).toBe('true');
  });
});

describe('function call path segments', () => {
  it('produce the GetCallLogData form 3CX accepts (docs/3cx-facts.md §1.3)', () => {
    const path = functionCall('Pbx.GetCallLogData', [
      ['periodFrom', dateTimeLiteral(Date.UTC(2026, 2, 1))],
      ['periodTo', dateTimeLiteral(Date.UTC(2026, 2, 2))],
      ['sourceType', intLiteral(0)],
      ['sourceFilter', stringLiteral('')],
      ['destinationType', intLiteral(0)],
      ['destinationFilter', stringLiteral('')],
      ['callsType', intLiteral(0)],
      ['callTimeFilterType', intLiteral(0)],
      ['callTimeFilterFrom', stringLiteral('0:00:0')],
      ['callTimeFilterTo', stringLiteral('0:00:0')],
      ['hidePcalls', boolLiteral(true)],
    ]);
    expect(path).toBe(
      "Pbx.GetCallLogData(periodFrom=2026-03-01T00:00:00Z,periodTo=2026-03-02T00:00:00Z,sourceType=0,sourceFilter='',destinationType=0,destinationFilter='',callsType=0,callTimeFilterType=0,callTimeFilterFrom='0:00:0',callTimeFilterTo='0:00:0',hidePcalls=true)",
    );
  });

  it('percent-encodes spaces, plus, percent, hash, slash and non-ASCII inside string values', () => {
    const path = functionCall('Pbx.F', [['filter', stringLiteral("Anne's desk +49/1 #2 100% ü")]]);
    expect(path).toBe("Pbx.F(filter='Anne''s%20desk%20%2B49%2F1%20%232%20100%25%20%C3%BC')");
    // The server decodes the path before parsing: it sees the literal we meant.
    expect(decodeURIComponent(path)).toBe("Pbx.F(filter='Anne''s desk +49/1 #2 100% ü')");
  });

  it('keeps = , and : readable inside values, as the 3CX console does', () => {
    expect(functionCall('Pbx.F', [['x', stringLiteral('a=b,c:d')]])).toBe("Pbx.F(x='a=b,c:d')");
  });
});

describe('query strings', () => {
  it('send $ options readable and encode values', () => {
    expect(queryString({ $top: 500, $skip: 0, $orderby: 'StartTime asc' })).toBe(
      '?$top=500&$skip=0&$orderby=StartTime%20asc',
    );
    expect(queryString({ $select: 'Id,Number', $filter: undefined })).toBe('?$select=Id,Number');
    expect(queryString({})).toBe('');
  });
});
