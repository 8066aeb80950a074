import type { FastifyInstance } from 'fastify';
import type { SimServices } from './simServices';

/**
 * `POST /connect/token` (outside `/xapi/v1`, docs/xapi-schemas.md §3): client credentials, posted
 * urlencoded (seen working, docs/3cx-facts.md §1.2 [obs bma]) or as multipart `FormData` (3CX's own
 * sample, [off xt auth.ts]). Bodies are the documented ones [off d-cfg].
 */
const UNAUTHORIZED = {
  error: 'unauthorized',
  error_description: 'The request requires valid user authentication.',
};

const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

export function registerTokenRoute(app: FastifyInstance, s: SimServices): void {
  app.post('/connect/token', async (request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const type = String(request.headers['content-type'] ?? '').toLowerCase();
    if (!FORM_TYPES.some((t) => type.startsWith(t))) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description:
          'The request must be sent as a form (application/x-www-form-urlencoded or multipart/form-data).',
      });
    }
    const form = (request.body ?? {}) as Record<string, unknown>;
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : '');
    const grantType = field('grant_type');
    if (grantType === '') {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: "The mandatory 'grant_type' parameter is missing.",
      });
    }
    if (grantType !== 'client_credentials') {
      return reply.code(400).send({
        error: 'unsupported_grant_type',
        error_description: "The specified 'grant_type' is not supported.",
      });
    }
    const token = s.tokens.issue(field('client_id'), field('client_secret'));
    if (!token) return reply.code(401).send(UNAUTHORIZED);
    return reply.code(200).send(token);
  });
}
