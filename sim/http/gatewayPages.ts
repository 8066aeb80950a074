/**
 * 502/503/504 come from the nginx in front of 3CX, not from the XAPI, so they carry nginx's
 * HTML page rather than an OData error [inf]; a 500 from the service itself often has an empty
 * body (CallHistoryView answered "500, empty body" on a live PBX, docs/3cx-facts.md §1.6 [obs bma]).
 * Clients must not assume JSON on these.
 */
const TITLES: Record<number, string> = {
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
  504: '504 Gateway Time-out',
};

export function gatewayPage(status: 502 | 503 | 504): string {
  const title = TITLES[status];
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
  );
}
