import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard's files (`bridge/dashboard/public/`): plain HTML, CSS and JavaScript, read once
 * when the bridge starts and served from memory. Found beside this module when it runs from
 * the sources (tests), and in the repository's `bridge/` when it runs compiled from `dist/`.
 */
export interface DashboardAsset {
  body: Buffer;
  contentType: string;
}

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

export function loadDashboardAssets(): Map<string, DashboardAsset> {
  const dir = [
    join(__dirname, 'public'),
    join(__dirname, '..', '..', '..', 'bridge', 'dashboard', 'public'),
  ].find((candidate) => existsSync(join(candidate, 'index.html')));
  if (!dir) throw new Error('The dashboard files (bridge/dashboard/public) are missing.');
  return new Map(
    Object.entries(FILES).map(([name, contentType]) => [
      name,
      { body: readFileSync(join(dir, name)), contentType },
    ]),
  );
}
