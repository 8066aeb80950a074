import type { FastifyInstance } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { gatewayPage } from './gatewayPages';
import type { SimServices } from './simServices';

const FORBIDDEN = { error: { code: '', message: 'Forbidden', details: [] } };

/**
 * Applies injected faults (sim/simFaults.ts) to every request except the control API, before
 * any route runs: so a fault looks the same whichever endpoint the client calls.
 */
export function registerFaultHook(app: FastifyInstance, s: SimServices): void {
  app.addHook('onRequest', async (request, reply) => {
    const raw = request.raw.url ?? '/';
    const q = raw.indexOf('?');
    let path = q < 0 ? raw : raw.slice(0, q);
    try {
      path = decodeURIComponent(path);
    } catch {
      // Leave it encoded: the route answers the malformed URL itself.
    }
    if (path === '/_sim' || path.startsWith('/_sim/')) return;
    const decision = s.faults.decide(path);
    // Real time on purpose: a client's time-out is measured in real time. Unref'd so a pending
    // slow answer never keeps a closing process alive.
    if (decision.delayMs > 0) await sleep(decision.delayMs, undefined, { ref: false });
    const action = decision.action;
    switch (action.kind) {
      case 'none':
        return;
      case 'destroy':
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      case 'unauthorized':
        return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send();
      case 'status':
        if (action.status === 500) return reply.code(500).send();
        if (action.status === 403) return reply.code(403).send(FORBIDDEN);
        return reply.code(action.status).type('text/html').send(gatewayPage(action.status));
    }
  });
}
