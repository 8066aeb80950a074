'use strict';
/*
 * The follow-up dashboard (docs/api.md "The dashboard"): plain JavaScript, no library, served by
 * the bridge itself under a strict Content-Security-Policy (no inline script or style, no other
 * origin). It reads `/v1/reports/overview`, `/v1/reports/follow-up` and
 * `/v1/reports/reconciliation` with the key the user signs in with. The key lives in this tab's
 * session storage and travels in the Authorization header only, never in an address.
 */
(function () {
  const STORAGE_KEY = 'bridge-dashboard-key';
  const WEEKS_CHARTED = 8;
  const RETURN_STATUS = {
    awaiting: 'Awaiting a call back',
    returned: 'Returned',
    not_returned: 'Not returned in time',
    no_number: 'No number to call',
  };
  const LINE_SIGNS = { '-1': '−', 1: '+' };

  const $ = (id) => document.getElementById(id);
  const status = (text) => {
    $('status').textContent = text;
  };

  /** An element with attributes and children (text or elements). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {}))
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    for (const child of children.flat())
      if (child !== null && child !== undefined) node.append(child);
    return node;
  }
  function svgEl(tag, attrs, ...children) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    for (const child of children.flat()) if (child !== null) node.append(child);
    return node;
  }

  // ---- formatting: the API's figures as a person reads them --------------------------------

  const percent = (ratio) => (ratio === null ? '–' : `${(ratio * 100).toFixed(1)} %`);
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.round(seconds);
    if (s < 60) return `${s}s`;
    if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  }
  function when(iso, timeZone) {
    if (!iso) return '–';
    return new Intl.DateTimeFormat('en-AU', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(new Date(iso));
  }
  function ago(iso, nowIso) {
    if (!iso) return 'never';
    return `${duration((Date.parse(nowIso) - Date.parse(iso)) / 1000)} ago`;
  }

  // ---- talking to the bridge ----------------------------------------------------------------

  class SignedOut extends Error {}

  async function read(path, key) {
    const res = await fetch(path, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (res.status === 401) throw new SignedOut((await res.json()).message);
    if (!res.ok) throw new Error(`${path.split('?')[0]} answered ${res.status}`);
    return res.json();
  }

  // ---- rendering -----------------------------------------------------------------------------

  const FIGURES = [
    ['missed', 'Missed calls', String],
    ['fired', 'call.missed sent', String],
    ['returned', 'Returned', String],
    ['reply_rate', 'Reply rate', percent],
    ['callback_rate', 'Call-back rate', percent],
    ['recovery_rate_24h', 'Recovered within 24 h', percent],
    ['time_to_callback_p50_seconds', 'Time to call back (median)', duration],
    ['time_to_callback_p90_seconds', 'Time to call back (90th percentile)', duration],
    ['repeat_miss_rate', 'Repeat misses', percent],
    ['after_hours_share', 'After hours', percent],
    ['not_returned', 'Not returned in time', String],
  ];

  function figuresList(figures, scope) {
    return el(
      'dl',
      { class: 'figures' },
      FIGURES.map(([key, label, format]) =>
        el(
          'div',
          {},
          el('dt', {}, label),
          el('dd', { 'data-figure': `${scope}.${key}` }, format(figures[key])),
        ),
      ),
    );
  }

  function healthList(overview, generatedAt) {
    const s = overview.status;
    const poll = s.poll;
    const items = [
      ['Source', s.source === 'xapi' ? '3CX call history (XAPI)' : 'CRM journal only', null],
    ];
    if (poll) {
      items.push(['Last poll', ago(poll.last_poll_at, generatedAt), null]);
      items.push([
        'Lag',
        poll.lag_seconds === null ? '–' : duration(poll.lag_seconds),
        poll.consecutive_errors > 0 ? 'state-bad' : 'state-good',
      ]);
      items.push([
        'Poll errors in a row',
        String(poll.consecutive_errors),
        poll.consecutive_errors > 0 ? 'state-bad' : null,
      ]);
      if (poll.last_error) items.push(['Last error', poll.last_error, 'state-bad']);
    } else if (s.source === 'xapi') items.push(['Polling', 'not started', 'state-warn']);
    if (s.stream)
      items.push(['Call Control stream', String(s.stream.state || s.stream.status || '–'), null]);
    const failing = overview.deliveries.failing + overview.deliveries.failed;
    items.push([
      'Failing deliveries (7 days)',
      String(failing),
      failing > 0 ? 'state-bad' : 'state-good',
    ]);
    return el(
      'dl',
      { class: 'health' },
      items.map(([label, value, cls]) =>
        el('div', {}, el('dt', {}, label), el('dd', { class: cls, 'data-health': label }, value)),
      ),
    );
  }

  function followUpText(call, timeZone) {
    if (call.folded) return 'Folded into an earlier miss (dialler cooldown)';
    if (call.return_status === 'returned') {
      const how = call.returned_via === 'callback' ? 'called back' : 'caller rang again';
      return `Returned: ${how}${call.returned_by ? ` (${call.returned_by})` : ''}`;
    }
    if (call.return_status === 'awaiting')
      return `Awaiting a call back, due ${when(call.return_due_at, timeZone)}`;
    return RETURN_STATUS[call.return_status] || '–';
  }

  function missedCallsTable(overview) {
    const zone = overview.location.timezone;
    const calls = overview.missed_calls;
    if (calls.length === 0) return el('p', { class: 'note' }, 'No missed calls this week.');
    const outcome = (c) =>
      `${c.outcome ?? '–'}${c.voicemail_left ? ', message left' : ''}${c.branch === 'after_hours' ? ', after hours' : ''}`;
    return el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { 'data-table': 'missed-calls' },
        el('caption', {}, `Missed calls this week (${calls.length}; today's marked)`),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            [
              'When',
              'Caller',
              'Outcome',
              'Follow-up',
              'Time to call back',
              'Unanswered call-backs',
            ].map((h, i) => el('th', { scope: 'col', class: i >= 4 ? 'num' : null }, h)),
          ),
        ),
        el(
          'tbody',
          {},
          calls.map((c) =>
            el(
              'tr',
              { 'data-call': c.call_id },
              el('td', {}, `${c.today ? 'Today ' : ''}${when(c.started_at, zone)}`),
              el(
                'td',
                {},
                c.caller_withheld ? 'Withheld' : c.caller_number || 'Unknown',
                c.caller_name ? el('br') : null,
                c.caller_name,
              ),
              el('td', {}, outcome(c)),
              el(
                'td',
                { 'data-follow-up': c.return_status || (c.folded ? 'folded' : '') },
                followUpText(c, zone),
              ),
              el(
                'td',
                { class: 'num', 'data-time-to-callback': '' },
                duration(c.time_to_callback_seconds),
              ),
              el(
                'td',
                { class: 'num' },
                c.callback_attempts === null ? '–' : String(c.callback_attempts),
              ),
            ),
          ),
        ),
      ),
    );
  }

  /** A bar chart as inline SVG, with a text alternative and a table of the same numbers. */
  function barChart({ title, description, bars, max, format, id }) {
    const width = 520;
    const height = 200;
    const pad = { top: 12, right: 8, bottom: 40, left: 8 };
    const inner = height - pad.top - pad.bottom;
    const slot = (width - pad.left - pad.right) / Math.max(1, bars.length);
    const top = max > 0 ? max : 1;
    const titleId = `${id}-title`;
    const descId = `${id}-desc`;
    const chart = svgEl(
      'svg',
      {
        class: 'chart',
        viewBox: `0 0 ${width} ${height}`,
        role: 'img',
        'aria-labelledby': `${titleId} ${descId}`,
        'data-chart': id,
      },
      svgEl('title', { id: titleId }, title),
      svgEl('desc', { id: descId }, description),
      svgEl('line', {
        x1: pad.left,
        x2: width - pad.right,
        y1: pad.top + inner,
        y2: pad.top + inner,
        stroke: '#767676',
      }),
      bars.map((bar, i) => {
        const h = bar.value === null ? 0 : Math.round((bar.value / top) * inner);
        const x = pad.left + i * slot + slot * 0.15;
        return svgEl(
          'g',
          { 'data-bar': bar.label, 'data-value': bar.value === null ? '' : String(bar.value) },
          svgEl(
            'rect',
            {
              x,
              y: pad.top + inner - h,
              width: slot * 0.7,
              height: Math.max(h, 0),
              fill: '#0b5cad',
            },
            svgEl('title', {}, `${bar.label}: ${format(bar.value)}`),
          ),
          svgEl(
            'text',
            { x: x + slot * 0.35, y: pad.top + inner - h - 3, 'text-anchor': 'middle' },
            format(bar.value),
          ),
          svgEl(
            'text',
            { x: x + slot * 0.35, y: height - pad.bottom + 14, 'text-anchor': 'middle' },
            bar.short || bar.label,
          ),
        );
      }),
    );
    return el('figure', {}, el('figcaption', {}, title), chart);
  }

  function charts(report, scope) {
    const weeks = report.groups.slice(-WEEKS_CHARTED);
    const recovery = barChart({
      id: `recovery-${scope}`,
      title: 'Recovery rate by week (returned within 24 h)',
      description: weeks
        .map(
          (w) =>
            `Week of ${w.label}: ${percent(w.recovery_rate_24h)} of ${w.returnable} misses with a number`,
        )
        .join('; '),
      bars: weeks.map((w) => ({
        label: `Week of ${w.label}`,
        short: w.label.slice(5),
        value: w.recovery_rate_24h,
      })),
      max: 1,
      format: percent,
    });
    const buckets = report.time_to_callback;
    const most = Math.max(0, ...buckets.map((b) => b.count));
    const distribution = barChart({
      id: `callback-${scope}`,
      title: 'Time to call back (returned misses)',
      description: buckets.map((b) => `${b.label}: ${b.count}`).join('; '),
      bars: buckets.map((b) => ({ label: b.label, value: b.count })),
      max: most,
      format: (v) => String(v),
    });
    return el('div', { class: 'charts' }, recovery, distribution);
  }

  function reconciliationPart(r) {
    const wrap = el('div', { 'data-reconciliation': r.location.id });
    if (!r.pbx.available) {
      wrap.append(el('p', { class: 'note' }, `3CX's own count is not available: ${r.pbx.reason}`));
    } else {
      const rows = [
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, "Unanswered inbound calls (3CX's report)"),
          el('td', { class: 'num', 'data-line': 'pbx_unanswered' }, String(r.pbx.unanswered)),
        ),
        ...r.lines
          .filter((line) => line.count > 0)
          .map((line) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, line.label),
              el(
                'td',
                { class: 'num', 'data-line': line.key },
                `${LINE_SIGNS[line.sign]} ${line.count}`,
              ),
            ),
          ),
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, 'call.missed sent by the bridge'),
          el('td', { class: 'num', 'data-line': 'fired' }, `= ${r.bridge.fired}`),
        ),
      ];
      wrap.append(
        el(
          'table',
          {},
          el(
            'caption',
            {},
            `3CX's count against the bridge's, last 7 days${r.balanced ? '' : ' (does not add up)'}`,
          ),
          el('tbody', {}, rows),
        ),
      );
    }
    if (r.subscriptions.length > 0)
      wrap.append(
        el(
          'div',
          { class: 'table-wrap' },
          el(
            'table',
            { 'data-table': 'deliveries' },
            el('caption', {}, 'call.missed per Zap, scenario or webhook, last 7 days'),
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                [
                  'Target',
                  'Sent',
                  'Delivered',
                  'Failing',
                  'Given up',
                  'Left out by its options',
                ].map((h, i) => el('th', { scope: 'col', class: i > 0 ? 'num' : null }, h)),
              ),
            ),
            el(
              'tbody',
              {},
              r.subscriptions.map((s) =>
                el(
                  'tr',
                  {},
                  el('td', {}, `${s.target_host} (${s.kind === 'rest_hook' ? 'Zap' : 'webhook'})`),
                  el('td', { class: 'num' }, String(s.offered)),
                  el('td', { class: 'num' }, String(s.delivered)),
                  el('td', { class: s.failing > 0 ? 'num state-bad' : 'num' }, String(s.failing)),
                  el('td', { class: s.failed > 0 ? 'num state-bad' : 'num' }, String(s.failed)),
                  el(
                    'td',
                    { class: 'num' },
                    `${s.filtered_out}${s.no_source_list > 0 ? ` (${s.no_source_list} to a number with no source list)` : ''}`,
                  ),
                ),
              ),
            ),
          ),
        ),
      );
    const notes = [];
    if (r.numbers.withheld + r.numbers.unreadable > 0)
      notes.push(
        `${r.numbers.withheld} withheld and ${r.numbers.unreadable} unreadable numbers: nobody can call them back.`,
      );
    for (const did of r.no_source_list)
      notes.push(
        `${did.count} missed call(s) to ${did.dialed_number || 'an unknown number'}, which mapped to no source list when they came in (later calls get a list once the number is mapped).`,
      );
    for (const note of notes) wrap.append(el('p', { class: 'note' }, note));
    return wrap;
  }

  function locationSection(overview, report, generatedAt) {
    const id = overview.location.id;
    const headingId = `loc-${id}`;
    const reconciliation = el(
      'div',
      { 'data-reconciliation-slot': id },
      el('p', { class: 'note' }, 'Asking 3CX for its own count…'),
    );
    return el(
      'section',
      { class: 'location', 'aria-labelledby': headingId, 'data-location': id },
      el('h2', { id: headingId }, overview.location.name),
      healthList(overview, generatedAt),
      el(
        'div',
        { class: 'periods' },
        el('div', {}, el('h3', {}, 'Today'), figuresList(overview.today, 'today')),
        el('div', {}, el('h3', {}, 'This week'), figuresList(overview.week, 'week')),
      ),
      el('h3', {}, 'Missed calls'),
      missedCallsTable(overview),
      el('h3', {}, 'Recovery and time to call back'),
      report ? charts(report, id) : el('p', { class: 'note' }, 'No report.'),
      el('h3', {}, 'Reconciliation with 3CX'),
      reconciliation,
    );
  }

  async function showDashboard(key) {
    status('Loading…');
    const [overview, followUp] = await Promise.all([
      read('/v1/reports/overview', key),
      read(`/v1/reports/follow-up?since=${WEEKS_CHARTED * 7}d&group=week`, key),
    ]);
    const root = $('dashboard');
    root.replaceChildren();
    if (overview.admin && followUp.all_locations) {
      root.append(
        el(
          'section',
          { class: 'location', 'aria-labelledby': 'all-heading', 'data-location': 'all' },
          el(
            'h2',
            { id: 'all-heading' },
            `All locations (${overview.locations.length}), last ${WEEKS_CHARTED} weeks`,
          ),
          figuresList(followUp.all_locations.totals, 'all'),
          charts(followUp.all_locations, 'all'),
        ),
      );
    }
    for (const location of overview.locations) {
      const report = followUp.locations.find((r) => r.location.id === location.location.id);
      root.append(locationSection(location, report, overview.generated_at));
    }
    $('sign-in').hidden = true;
    $('session-actions').hidden = false;
    root.hidden = false;
    status(
      `Updated ${when(overview.generated_at, Intl.DateTimeFormat().resolvedOptions().timeZone)}.`,
    );
    // 3CX's own count comes from each PBX, so it arrives after the rest.
    const reconciliation = await read('/v1/reports/reconciliation?since=7d', key);
    for (const r of reconciliation.locations) {
      const slot = root.querySelector(`[data-reconciliation-slot="${CSS.escape(r.location.id)}"]`);
      if (slot) slot.replaceChildren(reconciliationPart(r));
    }
    root.setAttribute('data-ready', 'true');
  }

  function showSignIn(message) {
    $('dashboard').hidden = true;
    $('dashboard').replaceChildren();
    $('session-actions').hidden = true;
    $('sign-in').hidden = false;
    $('key-error').textContent = message || '';
    status('');
    $('key').focus();
  }

  async function open(key) {
    try {
      await showDashboard(key);
    } catch (error) {
      if (error instanceof SignedOut) {
        sessionStorage.removeItem(STORAGE_KEY);
        showSignIn(error.message);
      } else status(`Could not load the dashboard: ${error.message}`);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('sign-in').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('key').value.trim();
      $('key').value = '';
      if (!key) return;
      sessionStorage.setItem(STORAGE_KEY, key);
      void open(key);
    });
    $('sign-out').addEventListener('click', () => {
      sessionStorage.removeItem(STORAGE_KEY);
      showSignIn('Signed out.');
    });
    $('refresh').addEventListener('click', () => {
      const key = sessionStorage.getItem(STORAGE_KEY);
      if (key) void open(key);
    });
    const key = sessionStorage.getItem(STORAGE_KEY);
    if (key) void open(key);
    else showSignIn();
  });
})();
