import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SimServices } from '../http/simServices';
import type { SimClientConfig } from '../tokenIssuer';

/**
 * Call Control REST (docs/3cx-facts.md §2.1): the snapshot and the participant GETs, same bearer
 * token as the XAPI. Errors as the facts sheet describes them: 401 for a bad token; 403 for a
 * client without Call Control access, and for a DN it does not monitor (a "far-side"
 * participant, §2.4 [inf]); 404 for a participant that is gone (§2.1 [3p tcad, oduist]).
 * The socket itself is callControlStream.ts.
 */
const ERROR = (message: string) => ({ error: { code: '', message, details: [] } });

export function registerCallControlRoutes(app: FastifyInstance, s: SimServices): void {
  const cc = s.callControl;
  app.server.on('upgrade', (request, socket, head) =>
    cc.stream.handleUpgrade(request, socket, head),
  );
  app.addHook('preClose', async () => cc.stream.close());

  /** The client, or the error answer already sent. */
  const authorise = (request: FastifyRequest, reply: FastifyReply) => {
    const check = s.tokens.check(request.headers.authorization);
    if (!check.ok) {
      reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send();
      return null;
    }
    if (!check.client.callControl) {
      reply.code(403).send(ERROR('Call Control API access is not enabled for this API client'));
      return null;
    }
    cc.stream.tick();
    return check.client as Required<SimClientConfig> & { callControl: { monitor: string[] } };
  };
  const monitors = (client: { callControl: { monitor: string[] } }, dn: string) =>
    client.callControl.monitor.includes(dn);

  app.get('/callcontrol', async (request, reply) => {
    const client = authorise(request, reply);
    if (!client) return reply;
    return cc.state.snapshot(client.clientId, client.callControl.monitor);
  });

  app.get<{ Params: { dn: string } }>('/callcontrol/:dn', async (request, reply) => {
    const client = authorise(request, reply);
    if (!client) return reply;
    if (!monitors(client, request.params.dn)) return reply.code(403).send(ERROR('Forbidden'));
    return cc.state.dnInfo(request.params.dn);
  });

  app.get<{ Params: { dn: string } }>('/callcontrol/:dn/participants', async (request, reply) => {
    const client = authorise(request, reply);
    if (!client) return reply;
    if (!monitors(client, request.params.dn)) return reply.code(403).send(ERROR('Forbidden'));
    return cc.state.participantsOf(request.params.dn);
  });

  app.get<{ Params: { dn: string } }>('/callcontrol/:dn/devices', async (request, reply) => {
    const client = authorise(request, reply);
    if (!client) return reply;
    if (!monitors(client, request.params.dn)) return reply.code(403).send(ERROR('Forbidden'));
    return cc.state.dnInfo(request.params.dn).devices;
  });

  app.get<{ Params: { dn: string; id: string } }>(
    '/callcontrol/:dn/participants/:id',
    async (request, reply) => {
      const client = authorise(request, reply);
      if (!client) return reply;
      const { dn, id } = request.params;
      if (!monitors(client, dn)) return reply.code(403).send(ERROR('Forbidden'));
      const participant = /^\d{1,12}$/.test(id) ? cc.state.participant(dn, Number(id)) : null;
      if (!participant) return reply.code(404).send(ERROR('Participant not found'));
      return participant;
    },
  );
}
