import { ThreeCxError } from '../../lib/threecx/errors';
import { normalisePbxUrl, pbxUrlAssumption } from '../../lib/threecx/pbxUrl';

describe('normalisePbxUrl: the address people paste, as the client uses it', () => {
  it.each([
    ['https://pbx.example.com:5001/#/office/dashboard', 'https://pbx.example.com:5001'],
    ['https://name.3cx.eu/xapi/v1/', 'https://name.3cx.eu'],
    ['  pbx.example.com  ', 'https://pbx.example.com'],
    ['pbx.example.com:5001', 'https://pbx.example.com:5001'],
    ['HTTP://PBX.Example.com:80/', 'http://pbx.example.com'],
    ['https://admin:hunter2@pbx.example.com/', 'https://pbx.example.com'],
    ['https://192.0.2.10:5001', 'https://192.0.2.10:5001'],
    ['https://pbx_office.corp.local:5001', 'https://pbx_office.corp.local:5001'],
    ['https://[2001:db8::1]:5001/', 'https://[2001:db8::1]:5001'],
    ['https://zentrale.müller.de', 'https://zentrale.xn--mller-kva.de'],
  ])('%s → %s', (input, origin) => {
    expect(normalisePbxUrl(input)).toBe(origin);
  });

  it.each([
    ['ftp://pbx.example.com'],
    ['ht!tp://pbx.example.com'],
    ['https://pbx!.example.com'],
    ['https://'],
    [''],
  ])('refuses %j, saying what to enter', (input) => {
    let error: unknown;
    try {
      normalisePbxUrl(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ThreeCxError);
    expect((error as Error).message).toMatch(/is not a web address/);
    expect((error as ThreeCxError).fix).toMatch(/admin console/);
  });

  it('never shows the user and password of a refused address', () => {
    expect(() => normalisePbxUrl('ftp://admin:hunter2@pbx.example.com')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});

describe('pbxUrlAssumption', () => {
  it('says what was assumed about an address without a scheme', () => {
    expect(pbxUrlAssumption('pbx.example.com')).toMatch(
      /using https:\/\/pbx\.example\.com \(port 443\)/,
    );
    expect(pbxUrlAssumption('pbx.example.com:5001')).toMatch(
      /using https:\/\/pbx\.example\.com:5001\./,
    );
    expect(pbxUrlAssumption('https://pbx.example.com')).toBeNull();
  });
});
