import type { FastifyReply } from 'fastify';
import { loadDashboardAssets, type DashboardAsset } from '../../dashboard/dashboardAssets';
import type { Api } from '../routeKit';

/**
 * The dashboard is its own origin's and nobody else's: no inline script or style, nothing
 * from another host (it works offline), no framing, no form posts, no referrer; the API key it
 * signs in with goes only to this bridge, in a header (docs/api.md "The dashboard").
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * `GET /dashboard` and its files. No key is needed to load the page: it holds no data, and
 * asks for a key before it reads any. Not part of the API, so not in the OpenAPI document.
 */
export function dashboardRoutes(app: Api): void {
  const assets = loadDashboardAssets();
  const send = (reply: FastifyReply, asset: DashboardAsset) =>
    reply
      .header('content-type', asset.contentType)
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cache-control', 'no-cache')
      .send(asset.body);
  const page = assets.get('index.html')!;
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => send(reply, page));
  for (const name of ['dashboard.css', 'dashboard.js', 'favicon.svg']) {
    const asset = assets.get(name)!;
    app.get(`/dashboard/${name}`, { schema: { hide: true } }, async (_request, reply) =>
      send(reply, asset),
    );
  }
}
