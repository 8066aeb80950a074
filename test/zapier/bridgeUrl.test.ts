import { bridgeApiUrl, BridgeUrlError, normalizeBridgeUrl } from '../../lib/zapier/bridgeUrl';

describe('the Bridge URL a user pastes', () => {
  it.each([
    ['https://bridge.example.com', 'https://bridge.example.com'],
    ['  https://bridge.example.com/  ', 'https://bridge.example.com'],
    ['https://bridge.example.com/v1', 'https://bridge.example.com'],
    ['https://bridge.example.com/v1/', 'https://bridge.example.com'],
    ['https://example.com/3cx-bridge/', 'https://example.com/3cx-bridge'],
    ['https://bridge.example.com:8443', 'https://bridge.example.com:8443'],
    ['HTTPS://Bridge.Example.com', 'https://bridge.example.com'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('%s is used as %s', (input, base) => {
    expect(normalizeBridgeUrl(input)).toBe(base);
  });

  it('requires HTTPS except on this machine, and says why', () => {
    expect(() => normalizeBridgeUrl('http://bridge.example.com')).toThrow(BridgeUrlError);
    expect(() => normalizeBridgeUrl('http://bridge.example.com')).toThrow(
      /must use https:\/\/ because your API key is sent with every request.*https:\/\/bridge\.example\.com/,
    );
    expect(() => normalizeBridgeUrl('http://192.168.1.20:3000')).toThrow(
      /only allowed for localhost and 127\.0\.0\.1/,
    );
  });

  it.each([
    ['', /Enter the Bridge URL/],
    [undefined, /Enter the Bridge URL/],
    ['bridge.example.com', /is not a web address/],
    ['ftp://bridge.example.com', /must start with https:\/\//],
    ['https://user:pw@bridge.example.com', /must not contain a user name or password/],
    ['https://bridge.example.com/?key=1', /must not contain \? or #/],
  ])('refuses %p with a clear message', (input, message) => {
    expect(() => normalizeBridgeUrl(input)).toThrow(message);
  });

  it('builds API URLs on the normalised base', () => {
    expect(bridgeApiUrl('https://bridge.example.com/v1/', '/v1/me')).toBe(
      'https://bridge.example.com/v1/me',
    );
  });
});
