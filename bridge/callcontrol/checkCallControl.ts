import type { ThreeCxClient } from '../../lib/threecx/client';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import { CallControlApi, CallControlError } from './callControlApi';
import { StreamSocket } from './streamSocket';

/**
 * `3cx-bridge check`'s Call Control step (docs/3cx-facts.md §2): does the API client have Call
 * Control access, which DNs does it monitor, does the event stream open. Optional by design: a
 * client without it is polled as before, so this never fails the check, it says what the
 * location gets and how to get more.
 */
export interface CallControlCheck {
  /** ok: access and a non-empty monitored list; info: works without it; warn: access but no events. */
  level: 'ok' | 'info' | 'warn';
  detail: string;
  fix?: string;
}

export async function checkCallControl(
  client: ThreeCxClient,
  transport: HttpTransport,
  options: { allowSelfSignedTls: boolean; listenMs?: number },
): Promise<CallControlCheck> {
  const api = new CallControlApi({ pbxUrl: client.pbxUrl, transport, tokens: client.tokens });
  let monitored: string[];
  try {
    const snapshot = await api.snapshot();
    monitored = [...snapshot.dnTypes].filter(([, t]) => t !== 'Wroutepoint').map(([dn]) => dn);
  } catch (error) {
    if (error instanceof CallControlError && error.kind === 'no_access') {
      // The delay is the one docs/api.md "Where events come from" states (grace plus the next poll).
      return {
        level: 'info',
        detail:
          'No Call Control access: the bridge polls the call log only (a miss goes out about 12–17 s after the hang-up, call.started when the first leg is logged).',
        fix: 'For call.started at the first ring and plain misses within about 2 s: in 3CX, Admin → Integrations → API, tick "3CX Call Control API Access" for this client and list the extensions to monitor (Enterprise licence).',
      };
    }
    return {
      level: 'warn',
      detail: `The Call Control API did not answer as expected: ${(error as Error).message}. The bridge polls as before.`,
    };
  }
  const listed =
    monitored.length > 8 ? `${monitored.slice(0, 8).join(', ')}, …` : monitored.join(', ');
  if (monitored.length === 0) {
    return {
      level: 'warn',
      detail:
        'Call Control access, but the client monitors no extension: the stream sends no events.',
      fix: 'List the extensions to monitor on the API client in 3CX (Admin → Integrations → API).',
    };
  }
  const token = await client.tokens.accessToken();
  let events = 0;
  const socket = new StreamSocket({
    url: `${client.pbxUrl.replace(/^http/, 'ws')}/callcontrol/ws`,
    token,
    allowSelfSignedTls: options.allowSelfSignedTls,
    pingMs: 5000,
    pongTimeoutMs: 10_000,
    openTimeoutMs: 10_000,
    onMessage: () => events++,
    onClose: () => undefined,
  });
  const opened = await socket.opened;
  if (!opened.ok) {
    return {
      level: 'warn',
      detail: `Call Control access (${monitored.length} DNs: ${listed}), but the event stream did not open: ${opened.reason}. The bridge polls as before and keeps trying.`,
      fix: 'Check that a proxy or firewall in front of 3CX lets WebSocket upgrades through to /callcontrol/ws.',
    };
  }
  await new Promise((r) => setTimeout(r, options.listenMs ?? 2000));
  socket.terminate('check done');
  return {
    level: 'ok',
    detail: `Call Control: ${monitored.length} DNs monitored (${listed}); the event stream opened (${events} events in ${Math.round((options.listenMs ?? 2000) / 1000)} s). Calls to these extensions fire call.started at the first ring and plain misses within about 2 s.`,
  };
}
