import type { Page } from 'playwright-core';
import { generateAdminToken } from '../../bridge/secrets/adminToken';
import { DASHBOARD_CSP } from '../../bridge/http/routes/dashboardRoutes';
import { api } from '../support/bridgeApi';
import { launchChromium, screenshotPath, type Browser } from '../support/chromium';
import { startReceiver, type Receiver } from '../support/receiver';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core): what a person
 * sees must be the API's figures. A morning at the Adelaide office: a miss called back, its
 * redial folded, a voicemail the caller replied to, a withheld caller, an answered call; one
 * Zap receiving call.missed and one failing.
 */
const ADMIN = generateAdminToken();
let t: TestBridge;
let browser: Browser;
let zap: Receiver;
let broken: Receiver;
const calls: Record<string, string> = {};

beforeAll(async () => {
  t = await startTestBridge({
    sim: { clock: { mode: 'manual', start: '2026-03-03T00:00:00Z' } }, // Tue 10:30 in Adelaide
    bridge: { adminToken: ADMIN },
  });
  [zap, broken] = await Promise.all([startReceiver(), startReceiver()]);
  broken.respond = () => ({ status: 503 });
  for (const receiver of [zap, broken])
    await api(t.url, t.apiKey, 'POST', '/v1/hooks', {
      target_url: receiver.url,
      event: 'call.missed',
    });
  await t.tick();
  const play = async (name: string, script: Record<string, unknown>) => {
    const call = t.sim.pbx.placeCall(script);
    while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
    calls[name] = call.callHistoryId!;
  };
  const miss = (caller: string) => ({ kind: 'direct', extension: '101', result: 'hangup', caller });
  await play('a', miss('+61412340001'));
  await play('redial', miss('+61412340001'));
  t.sim.clock.advance(6 * 60);
  await play('back', { kind: 'outbound', from: '103', number: '+61412340001', result: 'answered' });
  await play('b', { ...miss('+61412340002'), result: 'voicemail', messageSeconds: 20 });
  await play('c', miss('Anonymous'));
  await play('d', { kind: 'direct', extension: '104', result: 'answered', caller: '+61412340003' });
  await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${calls.b}`, { disposition: 'replied' });
  await t.tick();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t.close();
  await Promise.all([zap.close(), broken.close()]);
});

// What the page shows for a figure: the API's value as a person reads it.
const percent = (ratio: number | null) => (ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`);
function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
const SHOWN: Record<string, (v: number | null) => string> = {
  missed: String,
  fired: String,
  returned: String,
  reply_rate: percent,
  callback_rate: percent,
  recovery_rate_24h: percent,
  time_to_callback_p50_seconds: duration,
  time_to_callback_p90_seconds: duration,
  repeat_miss_rate: percent,
  after_hours_share: percent,
  not_returned: String,
};

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(`${t.url}/dashboard`);
  const field = page.getByLabel('API key or admin token');
  await field.focus();
  await page.keyboard.type(key);
  await page.keyboard.press('Enter'); // the keyboard alone signs in
  await page.locator('#dashboard[data-ready="true"]').waitFor({ timeout: 15_000 });
}

const text = (page: Page, selector: string) => page.locator(selector).first().innerText();

describe('the dashboard', () => {
  it('is served under a strict Content-Security-Policy, from the bridge alone', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const response = await page.goto(`${t.url}/dashboard`);
    expect(response?.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    await expect(page.getByRole('heading', { name: 'Sign in' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: screenshotPath('dashboard-sign-in.png'), fullPage: true });
    await signIn(page, t.apiKey);
    expect(requested.every((url) => url.startsWith(t.url))).toBe(true); // no CDN, works offline
    expect(problems).toEqual([]); // no CSP violation, no script error
    await page.close();
  });

  it("shows a location's figures, missed calls and follow-up exactly as the API reports them", async () => {
    const page = await browser.context.newPage();
    await signIn(page, t.apiKey);
    // The key is never in an address; it stays in this tab's session storage.
    expect(page.url()).toBe(`${t.url}/dashboard`);
    expect(page.url()).not.toContain(t.apiKey);
    expect(await page.evaluate(() => sessionStorage.getItem('bridge-dashboard-key'))).toBe(
      t.apiKey,
    );

    const overview = (await api(t.url, t.apiKey, 'GET', '/v1/reports/overview')).body.locations[0];
    expect(overview.week.missed).toBe(4);
    for (const scope of ['today', 'week'] as const)
      for (const [key, show] of Object.entries(SHOWN))
        expect([scope, key, await text(page, `[data-figure="${scope}.${key}"]`)]).toEqual([
          scope,
          key,
          show(overview[scope][key]),
        ]);

    const rows = page.locator('[data-table="missed-calls"] tbody tr');
    expect(await rows.count()).toBe(overview.missed_calls.length);
    const a = overview.missed_calls.find((c: { call_id: string }) => c.call_id === calls.a);
    const rowA = page.locator(`tr[data-call="${calls.a}"]`);
    expect(await rowA.locator('[data-follow-up]').innerText()).toBe('Returned: called back (103)');
    expect(await rowA.locator('[data-time-to-callback]').innerText()).toBe(
      duration(a.time_to_callback_seconds),
    );
    expect(
      await page.locator(`tr[data-call="${calls.redial}"] [data-follow-up]`).innerText(),
    ).toMatch(/Folded into an earlier miss/);
    expect(await page.locator(`tr[data-call="${calls.c}"]`).innerText()).toMatch(/Withheld/);
    expect(await page.locator(`tr[data-call="${calls.b}"] [data-follow-up]`).innerText()).toMatch(
      /^Awaiting a call back, due /,
    );

    // Health: the failing Zap shows.
    expect(await text(page, '[data-health="Failing deliveries (7 days)"]')).toBe(
      String(overview.deliveries.failing + overview.deliveries.failed),
    );
    expect(overview.deliveries.failing).toBe(3);

    // The charts draw the report's numbers.
    const report = (await api(t.url, t.apiKey, 'GET', '/v1/reports/follow-up?since=56d&group=week'))
      .body.locations[0];
    const weeks = report.groups.slice(-8);
    const bars = page.locator(`[data-chart="recovery-${overview.location.id}"] [data-bar]`);
    expect(await bars.count()).toBe(weeks.length);
    const drawn = await bars.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-value')));
    expect(drawn).toEqual(
      weeks.map((w: { recovery_rate_24h: number | null }) =>
        w.recovery_rate_24h === null ? '' : String(w.recovery_rate_24h),
      ),
    );
    const buckets = await page
      .locator(`[data-chart="callback-${overview.location.id}"] [data-bar]`)
      .evaluateAll((gs) =>
        gs.map((g) => [g.getAttribute('data-bar'), g.getAttribute('data-value')]),
      );
    expect(buckets).toEqual(
      report.time_to_callback.map((b: { label: string; count: number }) => [
        b.label,
        String(b.count),
      ]),
    );

    // The reconciliation: 3CX's count, the cooldown line, the fired count.
    const reconciliation = (
      await api(t.url, t.apiKey, 'GET', '/v1/reports/reconciliation?since=7d')
    ).body.locations[0];
    expect(await text(page, '[data-line="pbx_unanswered"]')).toBe(
      String(reconciliation.pbx.unanswered),
    );
    expect(await text(page, '[data-line="cooldown"]')).toBe('− 1');
    expect(await text(page, '[data-line="fired"]')).toBe(`= ${reconciliation.bridge.fired}`);
    await page.screenshot({ path: screenshotPath('dashboard-location.png'), fullPage: true });

    // Signing out forgets the key.
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await page.evaluate(() => sessionStorage.getItem('bridge-dashboard-key'))).toBeNull();
    expect(await page.getByLabel('API key or admin token').isVisible()).toBe(true);
    await page.close();
  });

  it('says so when the key is wrong, and the admin token shows every location together', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${t.url}/dashboard`);
    await page.getByLabel('API key or admin token').fill('cxb_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The page asks the bridge first: wait for its answer to show.
    await page
      .getByRole('alert')
      .filter({ hasText: /not valid/ })
      .waitFor({ timeout: 15_000 });
    expect(await page.getByRole('alert').innerText()).toMatch(/revoked|create a new one/i);

    await signIn(page, ADMIN);
    const all = (await api(t.url, ADMIN, 'GET', '/v1/reports/follow-up?since=56d&group=week')).body;
    for (const [key, show] of Object.entries(SHOWN))
      expect([key, await text(page, `[data-figure="all.${key}"]`)]).toEqual([
        key,
        show(all.all_locations.totals[key]),
      ]);
    expect(await page.locator('section.location[data-location]').count()).toBe(
      1 + all.locations.length,
    );
    await page.screenshot({ path: screenshotPath('dashboard-admin.png'), fullPage: true });
    await page.close();
  });

  it('passes axe-core’s accessibility checks (labels, contrast, structure)', async () => {
    const page = await browser.context.newPage();
    await signIn(page, t.apiKey);
    const { source } = await import('axe-core');
    // Evaluated through the browser's debugging protocol, which the page's CSP does not govern.
    await page.evaluate(source);
    const violations = await page.evaluate(async () => {
      const result = await (
        globalThis as unknown as {
          axe: { run: () => Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> };
        }
      ).axe.run();
      return result.violations.map((v) => `${v.id} (${v.nodes.length})`);
    });
    expect(violations).toEqual([]);
    await page.close();
  });
});
