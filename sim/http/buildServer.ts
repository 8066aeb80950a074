import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { registerCallControlRoutes } from '../callcontrol/callControlRoutes';
import { CallScriptError } from '../callScript';
import { notFound, XapiError } from '../odata/odataError';
import { registerControlRoutes } from './controlRoutes';
import { registerFaultHook } from './faultHook';
import { gatewayPage } from './gatewayPages';
import type { SimServices } from './simServices';
import { registerTokenRoute } from './tokenRoute';
import { registerXapiRoutes } from './xapiRoutes';

/** The simulator's HTTP server: 3CX's token endpoint, XAPI and Call Control, plus the `/_sim` control API. */
export async function buildServer(
  s: SimServices,
  logger: FastifyBaseLogger | false,
): Promise<FastifyInstance> {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // Close keep-alive sockets on close(), so a test's server never outlives the test.
    forceCloseConnections: true,
    // OData function calls put long argument lists into one path segment.
    routerOptions: { maxParamLength: 8192 },
  });
  await app.register(formbody);
  await app.register(multipart, { attachFieldsToBody: 'keyValues' });
  registerFaultHook(app, s);
  registerTokenRoute(app, s);
  registerXapiRoutes(app, s);
  registerCallControlRoutes(app, s);
  registerControlRoutes(app, s);

  app.setNotFoundHandler((request, reply) => {
    if (request.url.startsWith('/_sim')) {
      return reply.code(404).send({ error: `no control route ${request.method} ${request.url}` });
    }
    const error = notFound(
      `No HTTP resource was found that matches the request URI '${request.url}'`,
    );
    return reply.code(404).send(error.body());
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof XapiError) {
      if (error.status === 502 || error.status === 503 || error.status === 504) {
        return reply.code(error.status).type('text/html').send(gatewayPage(error.status));
      }
      return reply.code(error.status).send(error.body());
    }
    if (error instanceof CallScriptError || error instanceof ZodError) {
      const message =
        error instanceof ZodError
          ? error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
          : error.message;
      return reply.code(400).send({ error: message });
    }
    if (error instanceof RangeError) return reply.code(400).send({ error: error.message });
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return reply.code(status).send({ error: (error as Error).message });
    }
    request.log.error({ err: error }, 'simulator error');
    return reply
      .code(500)
      .send({ error: { code: '', message: 'Internal server error', details: [] } });
  });
  return app;
}
