import {
  isTransportError,
  type HttpResponse,
  type HttpTransport,
} from '../../lib/threecx/httpTransport';
import type { TokenCache } from '../../lib/threecx/tokenCache';
import { dnInfoSchema, participantSchema, type StreamParticipant } from './streamParticipant';

/**
 * Call Control REST as the stream needs it (docs/3cx-facts.md §2.1): the snapshot and the
 * participant GETs, with the location's shared token (one live token per API client, §1.2):
 * a 401 renews it once and retries.
 */
export class CallControlError extends Error {
  override name = 'CallControlError';
  constructor(
    readonly kind: 'no_access' | 'unauthorized' | 'status' | 'network' | 'bad_answer',
    message: string,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

export interface Snapshot {
  /** Monitored DN → its type (`Wextension`, `Wqueue`, …). */
  dnTypes: Map<string, string>;
  participants: StreamParticipant[];
}

export type ParticipantRead =
  | { kind: 'ok'; participant: StreamParticipant }
  /** 404: removed already (§2.4). */
  | { kind: 'gone' }
  /** 403: a participant this client may not see (§2.4), or an unreadable answer. */
  | { kind: 'hidden' };

export class CallControlApi {
  constructor(
    private readonly options: {
      pbxUrl: string;
      transport: HttpTransport;
      tokens: TokenCache;
      timeoutMs?: number;
    },
  ) {}

  async snapshot(): Promise<Snapshot> {
    const response = await this.get('/callcontrol');
    if (response.status === 403)
      throw new CallControlError(
        'no_access',
        'This API client has no Call Control access (403 on /callcontrol)',
        403,
      );
    if (response.status !== 200) throw statusError(response.status, 'the Call Control snapshot');
    if (!Array.isArray(response.body))
      throw new CallControlError('bad_answer', 'The Call Control snapshot is not a list of DNs');
    const dnTypes = new Map<string, string>();
    const participants: StreamParticipant[] = [];
    for (const raw of response.body) {
      const info = dnInfoSchema.safeParse(raw);
      if (!info.success) continue;
      dnTypes.set(info.data.dn, info.data.type);
      for (const p of info.data.participants) {
        const parsed = participantSchema.safeParse(p);
        if (parsed.success) participants.push(parsed.data);
      }
    }
    return { dnTypes, participants };
  }

  async participant(dn: string, id: number): Promise<ParticipantRead> {
    const response = await this.get(`/callcontrol/${encodeURIComponent(dn)}/participants/${id}`);
    if (response.status === 404) return { kind: 'gone' };
    if (response.status === 403) return { kind: 'hidden' };
    if (response.status !== 200) throw statusError(response.status, `participant ${dn}/${id}`);
    const parsed = participantSchema.safeParse(response.body);
    return parsed.success ? { kind: 'ok', participant: parsed.data } : { kind: 'hidden' };
  }

  private async get(path: string): Promise<HttpResponse> {
    const { tokens } = this.options;
    const token = await tokens.accessToken();
    let response = await this.send(path, token);
    if (response.status === 401) {
      response = await this.send(path, await tokens.renewAfterRejection(token));
      if (response.status === 401)
        throw new CallControlError('unauthorized', '3CX refused the token (401)', 401);
    }
    return response;
  }

  private async send(path: string, token: string): Promise<HttpResponse> {
    try {
      return await this.options.transport.request({
        method: 'GET',
        url: `${this.options.pbxUrl}${path}`,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        timeoutMs: this.options.timeoutMs ?? 10_000,
      });
    } catch (error) {
      if (isTransportError(error))
        throw new CallControlError('network', `${error.code}: ${error.message}`);
      throw error;
    }
  }
}

function statusError(status: number, what: string): CallControlError {
  return new CallControlError('status', `3CX answered ${status} for ${what}`, status);
}
