import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SimCall } from '../simCall';
import type { SimServices } from './simServices';

/**
 * The control API under `/_sim` (JSON, no auth): what tests, benchmarks and the demo use to
 * place calls, move the clock, run traffic and inject faults. It is no part of 3CX; faults
 * never apply to it.
 */
const advanceBody = z.strictObject({ seconds: z.number().min(0) });
const clockBody = z.strictObject({
  mode: z.enum(['manual', 'realtime', 'accelerated']).optional(),
  factor: z.number().positive().optional(),
  /** Set the time: epoch ms or ISO 8601. */
  at: z.union([z.number(), z.string()]).optional(),
});
const mixWeight = z.number().min(0);
const trafficBody = z.strictObject({
  callsPerMinute: z.number().positive().max(100000),
  mix: z
    .strictObject({
      answered: mixWeight.optional(),
      missed: mixWeight.optional(),
      voicemail: mixWeight.optional(),
      abandoned: mixWeight.optional(),
      internal: mixWeight.optional(),
      outbound: mixWeight.optional(),
      afterHours: mixWeight.optional(),
    })
    .optional(),
  seed: z.number().int().optional(),
  respectOfficeHours: z.boolean().optional(),
  maxCalls: z.number().int().positive().optional(),
  /** Call backs, callers ringing again and redials after misses (sim/followUpTraffic.ts). */
  followUps: z
    .strictObject({
      callBackShare: z.number().min(0).max(1).optional(),
      callAgainShare: z.number().min(0).max(1).optional(),
      redialShare: z.number().min(0).max(1).optional(),
      seed: z.number().int().optional(),
    })
    .optional(),
});

export function registerControlRoutes(app: FastifyInstance, s: SimServices): void {
  app.get('/_sim', async () => ({
    version: s.version,
    fqdn: s.fqdn,
    clients: s.tokens.clientRoles(),
    clock: s.clock.state(),
    directory: s.directory.config,
    traffic: s.pbx.trafficState(),
    faults: s.faults.list(),
  }));

  app.post('/_sim/calls', async (request, reply) => {
    // placeCall validates each script (400 with the reasons when it cannot be played).
    const body = request.body;
    const placed: SimCall | SimCall[] = Array.isArray(body)
      ? body.map((script) => s.pbx.placeCall(script))
      : s.pbx.placeCall(body);
    return reply.code(201).send(placed);
  });

  app.get('/_sim/calls', async () => s.pbx.calls());

  app.get<{ Params: { callId: string } }>('/_sim/calls/:callId', async (request, reply) => {
    const call = s.pbx.call(Number(request.params.callId));
    if (!call) return reply.code(404).send({ error: `no call ${request.params.callId}` });
    return call;
  });

  app.get('/_sim/clock', async () => s.clock.state());

  app.post('/_sim/clock/advance', async (request) => {
    s.clock.advance(advanceBody.parse(request.body ?? {}).seconds);
    return s.clock.state();
  });

  app.post('/_sim/clock', async (request) => {
    const body = clockBody.parse(request.body ?? {});
    if (body.at !== undefined) s.clock.set(body.at);
    if (body.mode !== undefined) s.clock.setMode(body.mode, body.factor);
    return s.clock.state();
  });

  app.get('/_sim/traffic', async () => s.pbx.trafficState() ?? { running: false });

  app.post('/_sim/traffic', async (request, reply) => {
    const state = s.pbx.startTraffic(trafficBody.parse(request.body ?? {}));
    return reply.code(201).send(state);
  });

  app.delete('/_sim/traffic', async () => {
    s.pbx.stopTraffic();
    return { running: false };
  });

  app.get('/_sim/faults', async () => s.faults.list());

  app.post('/_sim/faults', async (request, reply) => {
    const id = s.faults.inject(request.body ?? {});
    return reply.code(201).send({ id });
  });

  app.delete('/_sim/faults', async () => ({ cleared: s.faults.clear() }));

  app.delete<{ Params: { id: string } }>('/_sim/faults/:id', async (request, reply) => {
    if (!s.faults.clear(request.params.id)) {
      return reply.code(404).send({ error: `no fault ${request.params.id}` });
    }
    return { cleared: true };
  });
}
