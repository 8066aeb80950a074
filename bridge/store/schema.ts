/**
 * The bridge's SQLite schema, as ordered migrations. A migration is never edited once
 * released: add a new one. `PRAGMA user_version` records how far a database has come.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    pbx_url TEXT,
    client_id TEXT,
    client_secret_enc TEXT,
    country TEXT NOT NULL,
    timezone TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    pbx_version TEXT,
    created_at TEXT NOT NULL
  );

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    key_hash BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    label TEXT,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );

  CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('rest_hook', 'webhook')),
    event TEXT NOT NULL,
    target_url TEXT NOT NULL,
    filters TEXT,
    signing_secret_enc TEXT,
    created_at TEXT NOT NULL,
    removed_at TEXT,
    removed_reason TEXT
  );
  CREATE INDEX subscriptions_by_event ON subscriptions(location_id, event) WHERE removed_at IS NULL;

  CREATE TABLE calls (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    call_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('live', 'ended')),
    direction TEXT NOT NULL,
    outcome TEXT,
    number_key TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    missed INTEGER NOT NULL DEFAULT 0,
    missed_emitted INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 1,
    facts TEXT NOT NULL,
    enrichment TEXT,
    disposition TEXT,
    notes TEXT,
    tags TEXT NOT NULL DEFAULT '[]',
    follow_up_status TEXT,
    contact_id TEXT,
    contact_url TEXT,
    contact_name TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (location_id, call_id)
  );
  CREATE INDEX calls_missed_by_number ON calls(location_id, number_key, started_at) WHERE missed = 1;

  CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    call_id TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0,
    suppressed_reason TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (location_id, id)
  );
  CREATE INDEX events_feed ON events(location_id, type, seq);

  CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    event_seq INTEGER NOT NULL REFERENCES events(seq) ON DELETE CASCADE,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_status_code INTEGER,
    last_error TEXT,
    UNIQUE (event_seq, subscription_id)
  );
  CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';

  CREATE TABLE delivery_attempts (
    delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
  );

  CREATE TABLE poller_states (
    location_id TEXT PRIMARY KEY REFERENCES locations(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE contacts (
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    number_key TEXT NOT NULL,
    contact_id TEXT,
    name TEXT,
    company TEXT,
    email TEXT,
    url TEXT,
    source TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (location_id, number_key)
  );
  `,
  // 2: the CRM-template call journal (bridge/journal). An entry is held until the poller's
  // version of the call may have arrived, so held entries must survive a restart; calls are
  // matched across the two sources by outside number and start time.
  `
  CREATE TABLE journal_entries (
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    call_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('held', 'released', 'superseded')),
    direction TEXT NOT NULL,
    number_key TEXT,
    started_at TEXT NOT NULL,
    call TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    release_at INTEGER NOT NULL,
    events_call_id TEXT,
    matched_call_id TEXT,
    resolved_at TEXT,
    PRIMARY KEY (location_id, call_id)
  );
  CREATE INDEX journal_entries_due ON journal_entries(release_at) WHERE status = 'held';
  CREATE INDEX journal_entries_by_number ON journal_entries(location_id, number_key, started_at);
  CREATE INDEX calls_by_number ON calls(location_id, number_key, started_at);
  `,
  // 3: stored JSON is parsed against the shape the bridge writes (bridge/store/storedJson.ts).
  // `next_open_at` and `test` joined the event (and `next_open_at` the enrichment) after the
  // first events were stored: give older rows the fields, as null ("not known") and false,
  // so they read as the current shape and redeliveries carry every key.
  `
  UPDATE events SET payload = json_set(payload, '$.next_open_at', NULL)
    WHERE json_type(payload, '$.next_open_at') IS NULL;
  UPDATE events SET payload = json_set(payload, '$.test', json('false'))
    WHERE json_type(payload, '$.test') IS NULL;
  UPDATE calls SET enrichment = json_set(enrichment, '$.next_open_at', NULL)
    WHERE enrichment IS NOT NULL AND json_type(enrichment, '$.next_open_at') IS NULL;
  `,
  // 4: the event feed and the calls list filter in SQL with bounded work (bridge/store/
  // boundedPages.ts): the fields the trigger filters test (lib/eventFilters.ts) stored beside the
  // payload, and one index per list that serves its order and holds its filtered columns.
  `
  ALTER TABLE events ADD COLUMN source_list TEXT;
  ALTER TABLE events ADD COLUMN branch TEXT;
  ALTER TABLE events ADD COLUMN voicemail_left INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE events ADD COLUMN is_repeat_miss INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE events ADD COLUMN known_contact INTEGER NOT NULL DEFAULT 0;
  UPDATE events SET
    source_list = json_extract(payload, '$.source_list'),
    branch = json_extract(payload, '$.branch'),
    voicemail_left = COALESCE(json_extract(payload, '$.voicemail_left'), 0),
    is_repeat_miss = COALESCE(json_extract(payload, '$.is_repeat_miss'), 0),
    known_contact = COALESCE(json_extract(payload, '$.known_contact'), 0);
  DROP INDEX events_feed;
  CREATE INDEX events_feed ON events(location_id, seq, type, suppressed, source_list, branch,
    voicemail_left, is_repeat_miss, known_contact);
  CREATE INDEX calls_feed ON calls(location_id, seq, outcome, direction, status);
  CREATE INDEX calls_number_feed ON calls(location_id, number_key, seq, outcome, direction, status);
  `,
  // 5: the Call Control stream (bridge/callcontrol): which event call id a PBX call number
  // (the stream's `callid`, the call log's `CallId`) stands for, so the stream and the poller
  // give one call one id whichever saw it first, and what the stream's fast verdict was.
  `
  CREATE TABLE callcontrol_calls (
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    pbx_call_id INTEGER NOT NULL,
    call_id TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    fast_verdict TEXT,
    contradicted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (location_id, pbx_call_id, call_id)
  );
  CREATE INDEX callcontrol_calls_by_call ON callcontrol_calls(location_id, call_id);
  CREATE INDEX callcontrol_calls_seen ON callcontrol_calls(seen_at);
  `,
  // 6: follow-up (bridge/followUp, lib/followUp). A missed call's call-back tracking lives on
  // its call record: `return_due_at` (epoch ms) is the durable scheduler of `call.unreturned`,
  // found by the partial index while the miss is awaiting a call back. The reports read a
  // period's misses from one covering partial index, never from the wide rows: what they need of
  // the miss as it fired (`miss_context`, a small JSON object) and its `call.missed` event
  // (`missed_event_seq`, `missed_event_at`) are written once with the miss. `revision` numbers
  // the record's `call.updated` events: counted from stored events, the numbers came round
  // again once retention pruned the old ones, so it starts at the highest number a call's
  // stored events already used. Misses stored before this migration get their context from
  // their stored JSON and event.
  `
  ALTER TABLE calls ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE calls ADD COLUMN replied_at TEXT;
  ALTER TABLE calls ADD COLUMN return_status TEXT
    CHECK (return_status IN ('awaiting', 'returned', 'not_returned', 'no_number'));
  ALTER TABLE calls ADD COLUMN return_due_at INTEGER;
  ALTER TABLE calls ADD COLUMN returned_at TEXT;
  ALTER TABLE calls ADD COLUMN returned_by TEXT;
  ALTER TABLE calls ADD COLUMN returned_via TEXT CHECK (returned_via IN ('callback', 'called_again'));
  ALTER TABLE calls ADD COLUMN returned_call_id TEXT;
  ALTER TABLE calls ADD COLUMN time_to_callback_seconds REAL;
  ALTER TABLE calls ADD COLUMN callback_attempts INTEGER;
  ALTER TABLE calls ADD COLUMN miss_context TEXT;
  ALTER TABLE calls ADD COLUMN missed_event_seq INTEGER;
  ALTER TABLE calls ADD COLUMN missed_event_at TEXT;
  UPDATE calls SET revision = updated.n
    FROM (SELECT location_id, call_id, MAX(CAST(substr(id, length(call_id) + 15) AS INTEGER)) AS n
          FROM events WHERE type = 'call.updated' GROUP BY location_id, call_id) AS updated
    WHERE calls.location_id = updated.location_id AND calls.call_id = updated.call_id;
  UPDATE calls SET miss_context = json_object(
      'branch', enrichment ->> '$.branch',
      'repeat', COALESCE(enrichment ->> '$.is_repeat_miss', 0),
      'source_list', enrichment ->> '$.source_list',
      'dialed_number', facts ->> '$.dialed_number',
      'voicemail_left', COALESCE(facts ->> '$.voicemail_left', 0),
      'known_contact', COALESCE(enrichment ->> '$.known_contact', 0),
      'anonymous', COALESCE(facts ->> '$.caller_anonymous', 0))
    WHERE missed = 1;
  UPDATE calls SET missed_event_seq = e.seq, missed_event_at = e.created_at
    FROM events e
    WHERE calls.missed = 1 AND calls.missed_emitted = 1 AND e.location_id = calls.location_id
      AND e.id = calls.call_id || ':call.missed';
  CREATE INDEX calls_return_due ON calls(return_due_at) WHERE return_status = 'awaiting';
  CREATE INDEX calls_by_time ON calls(location_id, started_at);
  CREATE INDEX calls_misses_report ON calls(
    location_id, started_at, call_id, missed_emitted, number_key, return_status, returned_via,
    time_to_callback_seconds, replied_at, missed_event_seq, missed_event_at, miss_context
  ) WHERE missed = 1;
  `,
  // 7: hardening (issue 14). An API key has a scope: `template` keys only reach the 3CX
  // CRM-template routes (bridge/http/authentication.ts); existing keys stay full keys. Contact
  // URLs must be http(s) (lib/contactUrl.ts): one stored before that rule (a `javascript:` link
  // sent to /3cx/contacts) is dropped, so 3CX never shows it to an agent.
  `
  ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'full'
    CHECK (scope IN ('full', 'template'));
  UPDATE contacts SET url = NULL
    WHERE url IS NOT NULL AND lower(url) NOT GLOB 'http://?*' AND lower(url) NOT GLOB 'https://?*';
  UPDATE calls SET contact_url = NULL
    WHERE contact_url IS NOT NULL AND lower(contact_url) NOT GLOB 'http://?*'
      AND lower(contact_url) NOT GLOB 'https://?*';
  `,
  // 8: the delivery worker reads each subscription's due deliveries on their own (one lane per
  // subscription, bridge/delivery/deliveryWorker.ts), so one subscriber's backlog is never walked
  // to find another's; the old due-order index served one global queue and goes. Deliveries a
  // circuit breaker held back past the retry limit are given up oldest first. Retention
  // (bridge/store/retention.ts) deletes in small batches by age, through an index each. A
  // number's misses (the repeat-miss count, `CallRepo.missHistoryOfEach`) are read from their index
  // alone: 2,000 misses from one number cost 15–19 ms of row lookups per event at 1M calls.
  `
  CREATE INDEX deliveries_lane ON deliveries(subscription_id, next_attempt_at, id) WHERE status = 'pending';
  CREATE INDEX deliveries_pending_age ON deliveries(created_at) WHERE status = 'pending';
  DROP INDEX deliveries_due;
  CREATE INDEX deliveries_finished ON deliveries(created_at) WHERE status != 'pending';
  CREATE INDEX events_created ON events(created_at);
  CREATE INDEX journal_entries_resolved ON journal_entries(received_at) WHERE status != 'held';
  DROP INDEX calls_missed_by_number;
  CREATE INDEX calls_missed_by_number ON calls(location_id, number_key, started_at, call_id,
    ended_at, missed_emitted) WHERE missed = 1;
  `,
  // 9: the poller's state stored incrementally (bridge/store/pollerStates.ts). A busy
  // location's state held tens of thousands of call keys (406 KB of JSON) that were parsed and
  // written whole on every poll; the keys are now a row each, and a poll writes only the keys
  // it changed. `revision` tells the process whether the keys it holds in memory are the
  // stored ones. The small rest (watermark, active calls) stays JSON in `state`.
  `
  CREATE TABLE poller_call_keys (
    location_id TEXT NOT NULL REFERENCES locations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('pending', 'finished')),
    call_key TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (location_id, kind, call_key)
  ) WITHOUT ROWID;
  INSERT INTO poller_call_keys (location_id, kind, call_key, at)
    SELECT location_id, 'pending', key, value FROM poller_states, json_each(state, '$.pending');
  INSERT INTO poller_call_keys (location_id, kind, call_key, at)
    SELECT location_id, 'finished', key, value FROM poller_states, json_each(state, '$.finished');
  UPDATE poller_states SET state = json_remove(state, '$.pending', '$.finished');
  ALTER TABLE poller_states ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  `,
  // 10: several instances on Postgres (issue 19), kept in step here (schemaParity). A
  // location's `revision` grows with every change to its row (a trigger, so no writer can
  // forget it): an instance re-reads a location and opens its sealed secret only when the
  // revision moved (bridge/bridgeService.ts `refreshLocations`). `poller_health` says whether a
  // location's poller is failing, as its poller last found: the journal's hold rests on it
  // (bridge/journal/holdDeadline.ts), whichever instance takes the entry.
  `
  ALTER TABLE locations ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
  CREATE TRIGGER locations_revision AFTER UPDATE ON locations
    WHEN NEW.revision = OLD.revision
    BEGIN UPDATE locations SET revision = OLD.revision + 1 WHERE id = NEW.id; END;
  CREATE TABLE poller_health (
    location_id TEXT PRIMARY KEY REFERENCES locations(id) ON DELETE CASCADE,
    failing INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // 11: call-back matching reads only the misses a change can move (bridge/followUp): those
  // still open (awaiting or not returned, which a later call may still return) and those
  // returned at or after the change. A number with 2,000 misses had all of them read and
  // matched against all its calls for every new call of it (issue 16).
  `
  CREATE INDEX calls_open_misses ON calls(location_id, number_key, started_at)
    WHERE return_status IN ('awaiting', 'not_returned');
  CREATE INDEX calls_returned_misses ON calls(location_id, number_key, returned_at)
    WHERE return_status = 'returned';
  `,
];
