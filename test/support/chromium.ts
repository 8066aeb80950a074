import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * A real browser for the dashboard's tests: Debian's Chromium (`apt-get install -y chromium`;
 * `.ci/run` installs it when missing) driven by playwright-core, which downloads no browser of
 * its own. Found by path (`CHROMIUM_PATH`, else /usr/bin/chromium); a test without one fails
 * saying so, it is never skipped. Headless, no sandbox (tests run as root), nothing in the
 * background that would reach the network, and a fresh profile every time.
 */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(
      `No Chromium at ${path}: install Debian's package (apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium binary.`,
    );
  return path;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'bridge-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1280, height: 900 },
    timezoneId: 'Australia/Adelaide',
    locale: 'en-AU',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots are kept as test artefacts (git-ignored). */
export function screenshotPath(name: string): string {
  const dir = join(__dirname, '..', '..', 'reports', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
