import type { CallLeg } from './callLeg';
import {
  CALL_LOG_KEY_FIELDS,
  cdrIdOf,
  ignoredSelect,
  wantedRanges,
  type CallLogKeyRow,
  type RowRange,
} from './callLogKeys';
import {
  isThreeCxError,
  networkError,
  notThreeCx,
  ThreeCxError,
  xapiStatusError,
  type RequestContext,
} from './errors';
import { isTransportError, type HttpResponse, type HttpTransport } from './httpTransport';
import {
  boolLiteral,
  dateTimeLiteral,
  functionCall,
  intLiteral,
  queryString,
  stringLiteral,
  type ODataLiteral,
} from './odataUrl';
import { normalisePbxUrl } from './pbxUrl';
import { halveWindow, splitPeriod, type ReportWindow } from './reportWindows';
import { TokenCache } from './tokenCache';
import type { ExpiresInUnit } from './tokenLifetime';
import { withTransientRetry } from './transientRetry';
import type {
  AbandonedQueueCall,
  ActiveCall,
  E164Settings,
  InboundCall,
  LastCdrAndChatMessageTimestamp,
  OfficeHours,
  SystemStatus,
} from './xapiTypes';
import { parseUtcMillis, toMillis } from '../utcTime';

export interface ThreeCxClientOptions {
  /** The admin console address; path, fragment and credentials in it are ignored. */
  pbxUrl: string;
  /** The API client's Client ID (a DN number, docs/3cx-facts.md §1.1). */
  clientId: string;
  /** The API key. Never logged, never put in an error message. */
  clientSecret: string;
  transport: HttpTransport;
  /** Epoch milliseconds; `Date.now` by default. Drives token expiry. */
  now?: () => number;
  /** Waits between retries; a real timer by default. */
  sleep?: (ms: number) => Promise<void>;
  /** Per request, for everything but report pages. Default 30 s. */
  timeoutMs?: number;
  /** Per report page (call log, inbound calls): big pages are slow. Default 120 s. */
  reportTimeoutMs?: number;
  /** Report rows per request (`$top`). Default 500 (peers use 100–1000, docs/3cx-facts.md §1.3). */
  pageSize?: number;
  /** Longest period per report request. Default one day. */
  maxWindowMs?: number;
  /** A 504 halves the window down to this length, then gives up. Default 15 minutes. */
  minWindowMs?: number;
  /**
   * A window holding this many rows or more is read again as two halves, down to a minute:
   * 3CX reports are said to stop at 20,000 rows (docs/3cx-facts.md §1.3, unverified), and paging past
   * such a cap would end in a short page, indistinguishable from the end. Default 20,000.
   */
  maxRowsPerWindow?: number;
  /** Retries of a 502/503 or connection reset (lib/threecx/transientRetry.ts). Default 2. */
  maxRetries?: number;
  /** First retry delay, doubling. Default 1 s. */
  retryDelayMs?: number;
  /** Renew the token this long before it expires. Default 60 s. */
  tokenRefreshMarginMs?: number;
  /** `SystemStatus.Version` if already known (e.g. stored by the bridge); learned otherwise. */
  pbxVersion?: string | null;
  /** What the client did on its own (token fetches, retries, halved windows), for logs and metrics. */
  onEvent?: (event: ThreeCxClientEvent) => void;
}

export type ThreeCxClientEvent =
  | { type: 'token_fetched'; lifetimeSeconds: number; unit: ExpiresInUnit; reason: string }
  | { type: 'token_rejected'; what: string }
  | { type: 'request_retried'; what: string; attempt: number; delayMs: number; problem: string }
  | { type: 'window_halved'; what: string; from: string; to: string; reason?: 'rows' };

/** A period of a report: anything `toMillis` reads (Date, epoch ms, ISO string). */
export interface ReportPeriod {
  from: Date | number | string;
  to: Date | number | string;
}

export interface CallLogQuery extends ReportPeriod {
  /** Rows per request; the client's `pageSize` by default. */
  pageSize?: number;
  /** `$orderby`; `StartTime asc` by default, null to send none (docs/3cx-facts.md §1.3, §7 q4). */
  orderBy?: string | null;
}

/** Options of {@link ThreeCxClient.callLogWanted}. */
export interface CallLogWantedOptions {
  /**
   * Called once, with how many rows the light pass found wanted, when the light pass of the
   * whole period has been read: the rows returned are then only rows that pass saw, all logged
   * before this call, so a report requested from here on (the inbound calls) holds its rows
   * for each of them. Not called when the period is read whole or in several windows.
   */
  onLightPass?: (wantedRows: number) => void;
}

export interface CallLogPageQuery extends ReportPeriod {
  top: number;
  skip?: number;
  orderBy?: string | null;
}

const XAPI_ROOT = '/xapi/v1';
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_REPORT_TIMEOUT_MS = 120_000;
const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_MAX_WINDOW_MS = 24 * 3600_000;
const DEFAULT_MIN_WINDOW_MS = 15 * 60_000;
const DEFAULT_MAX_ROWS_PER_WINDOW = 20_000;
/** Halving for too many rows goes further than for 504s: the rows must be read, not skipped. */
const MIN_WINDOW_MS_FOR_ROWS = 60_000;

/** The PBX refused the light pass's `$select` (a PBX before V20 Update 6). */
class SelectRefused extends Error {}

/**
 * At most this many targeted requests per window (each is a round trip to the PBX); the
 * closest runs of wanted rows are read together, with the few rows between them.
 */
const MAX_WANTED_RANGES = 3;

/**
 * Runs of wanted rows at most this many rows apart are read as one: a request cost the simulator
 * and the client ~2 ms of CPU together, a whole row ~0.01 ms more (issue 16, measured over
 * loopback; at 30 calls/min a poll made 2.9 targeted reads, for runs often a few rows apart).
 */
const JOIN_GAP_ROWS = 100;

/**
 * `$top` of reads that `$select` a few fields (the light pass, the inbound report's three
 * fields): a row of four short fields is a twentieth of a whole call-log row, so one request
 * carries a poller's whole re-read window (issue 16: a window of 1,500 legs was three light
 * pages of 500). A PBX that caps pages lower is read on by `@odata.count` (§1.3).
 */
const SELECT_PAGE_SIZE = 5000;

/** A window held `maxRowsPerWindow` rows or more (the count said so, or the pages did). */
class TooManyRows extends Error {
  constructor(readonly rows: number) {
    super(`${rows} rows or more`);
  }
}
const DEFAULT_ORDER_BY = 'StartTime asc';

const CALL_LOG: Omit<RequestContext, 'pbxUrl'> = {
  what: 'the call log',
  isReportFunction: true,
  isCallLog: true,
};
const INBOUND_CALLS: Omit<RequestContext, 'pbxUrl'> = {
  what: 'the inbound calls report',
  isReportFunction: true,
};
const ABANDONED_QUEUE_CALLS: Omit<RequestContext, 'pbxUrl'> = {
  what: 'the abandoned queue calls report',
  isReportFunction: true,
};
/** The report's own sort key (docs/xapi-schemas.md §2.8: `CallTime` is only on a call's first row). */
const ABANDONED_ORDER_BY = 'CallTimeForCsv asc';

export interface AbandonedQueueCallsQuery extends ReportPeriod {
  /** The queue's DN: the report takes one queue's number (docs/xapi-schemas.md §1.4). */
  queueDn: string;
}

/**
 * The 3CX V20 XAPI, as the bridge and the Zapier app need it (docs/3cx-facts.md §1).
 *
 * Transport-agnostic (lib/threecx/httpTransport.ts). Owns the API client's token
 * (lib/threecx/tokenCache.ts): create one client per API client per process, because 3CX keeps
 * one active token per client. Failures are {@link ThreeCxError}s that say what to fix; errors
 * that are not about 3CX (a Zapier `RefreshAuthError`, say) pass through untouched.
 */
export class ThreeCxClient {
  readonly pbxUrl: string;
  private readonly transport: HttpTransport;
  /**
   * The API client's one token (docs/3cx-facts.md §1.2): whatever else talks to 3CX with the
   * same API client (the bridge's Call Control stream) must use this cache, not its own.
   */
  readonly tokens: TokenCache;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly timeoutMs: number;
  private readonly reportTimeoutMs: number;
  private readonly pageSize: number;
  /** `$top` of `$select`ed reads: at least `pageSize` ({@link SELECT_PAGE_SIZE}). */
  private readonly selectPageSize: number;
  private readonly maxWindowMs: number;
  private readonly minWindowMs: number;
  private readonly maxRowsPerWindow: number;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly onEvent: (event: ThreeCxClientEvent) => void;
  /** False once the PBX refused the light pass's `$select` ({@link callLogWanted}). */
  private selectWorks = true;

  constructor(options: ThreeCxClientOptions) {
    this.pbxUrl = normalisePbxUrl(options.pbxUrl);
    this.transport = options.transport;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.reportTimeoutMs = options.reportTimeoutMs ?? DEFAULT_REPORT_TIMEOUT_MS;
    this.pageSize = positiveInteger(options.pageSize ?? DEFAULT_PAGE_SIZE, 'pageSize');
    this.selectPageSize = Math.max(this.pageSize, SELECT_PAGE_SIZE);
    this.maxWindowMs = options.maxWindowMs ?? DEFAULT_MAX_WINDOW_MS;
    this.minWindowMs = options.minWindowMs ?? DEFAULT_MIN_WINDOW_MS;
    this.maxRowsPerWindow = positiveInteger(
      options.maxRowsPerWindow ?? DEFAULT_MAX_ROWS_PER_WINDOW,
      'maxRowsPerWindow',
    );
    this.maxRetries = options.maxRetries ?? 2;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.onEvent = options.onEvent ?? (() => undefined);
    this.tokens = new TokenCache({
      pbxUrl: this.pbxUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      transport: options.transport,
      now: options.now ?? Date.now,
      timeoutMs: this.timeoutMs,
      refreshMarginMs: options.tokenRefreshMarginMs ?? 60_000,
      pbxVersion: options.pbxVersion ?? null,
      onTokenFetched: (lifetime) =>
        this.onEvent({
          type: 'token_fetched',
          lifetimeSeconds: lifetime.seconds,
          unit: lifetime.unit,
          reason: lifetime.reason,
        }),
    });
  }

  /** The PBX version, once known (from the options or a `systemStatus()` call). */
  get pbxVersion(): string | null {
    return this.tokens.pbxVersion;
  }

  /**
   * Make sure there is a valid token (fetching one if needed) and say until when it lives.
   * For the connection check; other methods authenticate on their own.
   */
  async authenticate(): Promise<{ expiresAt: number | null }> {
    await this.withRetry('the token request', () => this.tokens.accessToken());
    return { expiresAt: this.tokens.expiresAt() };
  }

  /** `GET /SystemStatus`. Also teaches the token cache the version (the `expires_in` unit). */
  async systemStatus(): Promise<SystemStatus> {
    const status = await this.getObject<SystemStatus>('/SystemStatus', {
      what: 'the system status',
    });
    if (typeof status.Version === 'string' && status.Version !== '') {
      this.tokens.setPbxVersion(status.Version);
    }
    return status;
  }

  /**
   * Every call-log leg of the period (`ReportCallLogData/Pbx.GetCallLogData`, docs/3cx-facts.md §1.3):
   * read in windows of at most a day, each paged with `$top`/`$skip` until a short page;
   * a window answered 504 is halved. Rows repeated across windows (same `CdrId`) come once.
   * Rows are returned as 3CX sent them: check them with lib/threecx/validateCallLegs.ts.
   */
  async callLog(query: CallLogQuery): Promise<CallLeg[]> {
    const pageSize = positiveInteger(query.pageSize ?? this.pageSize, 'pageSize');
    const orderBy = query.orderBy === undefined ? DEFAULT_ORDER_BY : query.orderBy;
    const rows = await this.readReport<CallLeg>(query, CALL_LOG, (window) =>
      this.pagedReport(callLogPath(window), CALL_LOG, pageSize, orderBy),
    );
    return uniqueByCdrId(rows);
  }

  /**
   * The call-log rows of the period that `wanted` picks, whole, for a caller that already holds
   * most of the period (the poller re-reads its overlap on every tick, issue 16): a light pass
   * reads only the key fields (`$select`, docs/3cx-facts.md §1.1) in one request, then only
   * the wanted rows are read whole, by the periods their start times span (at most three
   * requests, sent together), checked by `CdrId`. Returns every wanted row and possibly a few
   * others (the caller filters again), legs logged since the light pass included unless
   * `onLightPass` is given.
   *
   * Where the cheap path cannot be trusted it reads more, never less: a PBX that ignores
   * `$select` sends whole rows (used as they are); one before V20 Update 6 has neither `CdrId`
   * nor `CallHistoryId` and refuses the `$select` (400: every later read is a plain
   * {@link callLog}); when a wanted row is missing from the periods read, the whole window is
   * read [inf].
   */
  async callLogWanted(
    query: ReportPeriod,
    wanted: (row: CallLogKeyRow) => boolean,
    options: CallLogWantedOptions = {},
  ): Promise<CallLeg[]> {
    if (!this.selectWorks) return this.callLog(query);
    const period = periodWindow(query);
    // The `CdrId`s of the first light pass over the whole period, once `onLightPass` was told.
    let snapshot: Set<string> | null = null;
    const onKeys = (window: ReportWindow) =>
      options.onLightPass && window.from === period.from && window.to === period.to
        ? (keys: readonly CallLogKeyRow[], wantedRows: number) => {
            if (snapshot !== null) return;
            snapshot = new Set();
            for (const key of keys) {
              const id = cdrIdOf(key);
              if (id !== null) snapshot.add(id);
            }
            options.onLightPass!(wantedRows);
          }
        : undefined;
    try {
      const rows = uniqueByCdrId(
        await this.readReport<CallLeg>(query, CALL_LOG, (window) =>
          this.wantedInWindow(window, wanted, onKeys(window)),
        ),
      );
      const seen = snapshot as Set<string> | null;
      // Rows logged after that light pass are left to the next read (what the caller was told).
      return seen === null
        ? rows
        : rows.filter((row) => {
            const id = cdrIdOf(row);
            return id === null || seen.has(id);
          });
    } catch (error) {
      if (!(error instanceof SelectRefused)) throw error;
      this.selectWorks = false;
      return this.callLog(query);
    }
  }

  /** One page of the call log, no windows: for the connection check and diagnostics. */
  async callLogPage(query: CallLogPageQuery): Promise<CallLeg[]> {
    const window = periodWindow(query);
    const orderBy = query.orderBy === undefined ? DEFAULT_ORDER_BY : query.orderBy;
    const body = await this.get(
      callLogPath(window) +
        queryString({
          $top: positiveInteger(query.top, 'top'),
          $skip: query.skip ?? 0,
          $orderby: orderBy ?? undefined,
        }),
      CALL_LOG,
      this.reportTimeoutMs,
    );
    return collectionValue<CallLeg>(body, this.context(CALL_LOG), 200);
  }

  /**
   * Inbound legs of the period with the DID each came in on
   * (`ReportInboundCalls/Pbx.GetInboundCalls`, docs/3cx-facts.md §1.7), windowed and paged like
   * {@link callLog}.
   */
  async inboundCalls(
    period: ReportPeriod,
    fields?: ReadonlyArray<keyof InboundCall>,
  ): Promise<InboundCall[]> {
    // Only the fields asked for (`$select`, docs/3cx-facts.md §1.1), with `CdrId` to dedupe by;
    // a PBX that refuses the `$select` (400) is asked for whole rows from then on [inf].
    const select =
      fields && this.selectWorks ? [...new Set(['CdrId', ...fields])].join(',') : undefined;
    const read = (selected: string | undefined) =>
      this.readReport<InboundCall>(period, INBOUND_CALLS, (window) =>
        this.pagedReport(
          inboundCallsPath(window),
          INBOUND_CALLS,
          selected === undefined ? this.pageSize : this.selectPageSize,
          DEFAULT_ORDER_BY,
          selected,
        ),
      );
    let rows: InboundCall[];
    try {
      rows = await read(select);
    } catch (error) {
      if (select === undefined || !isThreeCxError(error) || error.status !== 400) throw error;
      this.selectWorks = false;
      rows = await read(undefined);
    }
    return uniqueByCdrId(rows);
  }

  /**
   * Agents each abandoned call of one queue polled, with how often
   * (`ReportAbandonedQueueCalls/Pbx.GetAbandonedQueueCallsData`, docs/3cx-facts.md §1.7, §8):
   * the polls the call log leaves out (it is read with `hidePcalls=true`). Windowed and paged
   * like {@link callLog}; no minimum wait (`'0:00:0'`, the console's default).
   */
  async abandonedQueueCalls(query: AbandonedQueueCallsQuery): Promise<AbandonedQueueCall[]> {
    const queueDn = query.queueDn.trim();
    if (queueDn === '') throw new RangeError('queueDn must name a queue');
    return this.readReport<AbandonedQueueCall>(query, ABANDONED_QUEUE_CALLS, (window) =>
      this.pagedReport(
        abandonedQueueCallsPath(window, queueDn),
        ABANDONED_QUEUE_CALLS,
        this.pageSize,
        ABANDONED_ORDER_BY,
      ),
    );
  }

  /** `GET /ActiveCalls`: what is ringing or connected right now. */
  async activeCalls(): Promise<ActiveCall[]> {
    const context = { what: 'the active calls' };
    const body = await this.get('/ActiveCalls', context, this.timeoutMs);
    return collectionValue<ActiveCall>(body, this.context(context), 200);
  }

  /**
   * `LastCdrStartedAt` of `GET /LastCdrAndChatMessageTimestamp`: a cheap "anything new?" before
   * reading the call log (docs/3cx-facts.md §1.7). Null when 3CX has no CDR yet, or when the PBX is
   * too old to have this endpoint (it exists only in newer builds, docs/xapi-schemas.md §2.9): either
   * way the caller should read the call log.
   */
  async lastCdrTimestamp(): Promise<string | null> {
    const context = { what: 'the last CDR timestamp' };
    let body: unknown;
    try {
      body = await this.get('/LastCdrAndChatMessageTimestamp', context, this.timeoutMs);
    } catch (error) {
      if (isThreeCxError(error) && error.status === 404) return null;
      throw error;
    }
    const rows = collectionValue<LastCdrAndChatMessageTimestamp>(body, this.context(context), 200);
    const value = rows[0]?.LastCdrStartedAt;
    // The field is not nullable in the spec, so "no CDR yet" may arrive as .NET's
    // DateTime.MinValue (`0001-01-01T00:00:00Z`) [inf]: anything before 1970 means none.
    if (typeof value !== 'string' || !(parseUtcMillis(value) >= 0)) return null;
    return value;
  }

  /** `GET /E164Settings`: how this PBX writes numbers (docs/3cx-facts.md §5). */
  e164Settings(): Promise<E164Settings> {
    return this.getObject<E164Settings>('/E164Settings', { what: 'the E.164 settings' });
  }

  /**
   * `GET /OfficeHours?$expand=OfficeHolidays`: hours, break time, holidays and the PBX time
   * zone. Holidays are a navigation property, absent unless expanded (docs/xapi-schemas.md §2.7).
   */
  officeHours(): Promise<OfficeHours> {
    return this.getObject<OfficeHours>(
      '/OfficeHours' + queryString({ $expand: 'OfficeHolidays' }),
      { what: 'the office hours' },
    );
  }

  // ---- reports: windows and pages ------------------------------------------------------

  private async readReport<T>(
    period: ReportPeriod,
    report: Omit<RequestContext, 'pbxUrl'>,
    readWindow: (window: ReportWindow) => Promise<T[]>,
  ): Promise<T[]> {
    const { from, to } = periodMillis(period);
    const queue = splitPeriod(from, to, this.maxWindowMs);
    const rows: T[] = [];
    while (queue.length > 0) {
      const window = queue.shift() as ReportWindow;
      try {
        for (const row of await readWindow(window)) rows.push(row);
      } catch (error) {
        if (error instanceof TooManyRows) {
          const halves = halveWindow(window, MIN_WINDOW_MS_FOR_ROWS);
          if (halves === null) throw this.tooManyRows(window, report.what, error.rows);
          this.onEvent({
            type: 'window_halved',
            what: report.what,
            from: new Date(window.from).toISOString(),
            to: new Date(window.to).toISOString(),
            reason: 'rows',
          });
          queue.unshift(...halves);
          continue;
        }
        if (!isThreeCxError(error) || error.status !== 504) throw error;
        const halves = halveWindow(window, this.minWindowMs);
        if (halves === null) throw this.tooLarge(window, report.what);
        this.onEvent({
          type: 'window_halved',
          what: report.what,
          from: new Date(window.from).toISOString(),
          to: new Date(window.to).toISOString(),
        });
        queue.unshift(...halves);
      }
    }
    return rows;
  }

  /**
   * `$top`/`$skip` until a short page (docs/3cx-facts.md §1.3: there is no `@odata.nextLink`),
   * unless the first page's `@odata.count` says rows remain: a PBX that caps pages at 100 rows
   * whatever `$top` asks (§1.3 [3p cloudon]) is read on from where its page ended.
   */
  private async pagedReport<T>(
    path: string,
    report: Omit<RequestContext, 'pbxUrl'>,
    pageSize: number,
    orderBy: string | null,
    select?: string,
  ): Promise<T[]> {
    const rows: T[] = [];
    let previousFirst: string | null = null;
    let total: number | null = null;
    for (let skip = 0; ;) {
      // The first page asks for the total (`$count`, docs/3cx-facts.md §1.3): a window over the row
      // cap is split after one page instead of after reading up to the cap.
      const body = await this.get(
        path +
          queryString({
            $top: pageSize,
            $skip: skip,
            $orderby: orderBy ?? undefined,
            $count: skip === 0 ? 'true' : undefined,
            $select: select,
          }),
        report,
        this.reportTimeoutMs,
      );
      const page = collectionValue<T>(body, this.context(report), 200);
      if (skip === 0) {
        const count = (body as { '@odata.count'?: unknown })['@odata.count'];
        total = typeof count === 'number' ? count : null;
        if (total !== null && total >= this.maxRowsPerWindow) throw new TooManyRows(total);
      }
      // A server that ignores $skip would send the first page for ever.
      const first = page.length > 0 ? JSON.stringify(page[0]) : null;
      if (skip > 0 && first !== null && first === previousFirst) {
        throw new ThreeCxError(
          'unexpected_response',
          `3CX sent the same page of ${report.what} again for $skip=${skip}: it ignores paging.`,
          'Report this with the PBX version; the bridge cannot read a long period from this PBX.',
          200,
        );
      }
      previousFirst = first;
      for (const row of page) rows.push(row);
      if (rows.length >= this.maxRowsPerWindow) throw new TooManyRows(rows.length);
      // A page longer than asked means $top was ignored and everything came at once.
      if (page.length > pageSize || page.length === 0) return rows;
      if (page.length < pageSize && (total === null || rows.length >= total)) return rows;
      skip += page.length;
    }
  }

  private async wantedInWindow(
    window: ReportWindow,
    wanted: (row: CallLogKeyRow) => boolean,
    onKeys: ((keys: readonly CallLogKeyRow[], wantedRows: number) => void) | undefined,
  ): Promise<CallLeg[]> {
    const path = callLogPath(window);
    let keys: CallLogKeyRow[];
    try {
      keys = await this.pagedReport<CallLogKeyRow>(
        path,
        CALL_LOG,
        this.selectPageSize,
        DEFAULT_ORDER_BY,
        CALL_LOG_KEY_FIELDS.join(','),
      );
    } catch (error) {
      // No `CdrId`/`CallHistoryId` before V20 Update 6 (docs/3cx-facts.md §1.4): a 400 names them.
      if (isThreeCxError(error) && error.status === 400) throw new SelectRefused();
      throw error;
    }
    // The caller's choice, asked once per row (a window holds a thousand rows and more).
    const picked = keys.map((key) => wanted(key));
    onKeys?.(
      keys,
      picked.reduce((n, p) => (p ? n + 1 : n), 0),
    );
    return this.wantedRows(window, keys, picked);
  }

  /** The rows of `ranges` of the light pass `keys`, whole; the whole window if unsure. */
  private async wantedRows(
    window: ReportWindow,
    keys: CallLogKeyRow[],
    picked: readonly boolean[],
  ): Promise<CallLeg[]> {
    if (ignoredSelect(keys)) return keys as CallLeg[];
    const ranges = wantedRanges(keys, (_, i) => picked[i], MAX_WANTED_RANGES, JOIN_GAP_ROWS);
    const path = callLogPath(window);
    const whole = () => this.pagedReport<CallLeg>(path, CALL_LOG, this.pageSize, DEFAULT_ORDER_BY);
    const covered = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
    // Most of the window wanted: plain pages are fewer requests for nearly the same rows.
    if (covered * 2 > keys.length) return whole();
    const periods: ReportWindow[] = [];
    for (const range of ranges) {
      const period = rangePeriod(keys, range, window);
      if (period === null) return whole();
      periods.push(period);
    }
    // At most MAX_WANTED_RANGES requests, at once: the poll waits for one round trip, not three.
    const pages = await Promise.all(
      periods.map((period) =>
        this.pagedReport<CallLeg>(callLogPath(period), CALL_LOG, this.pageSize, DEFAULT_ORDER_BY),
      ),
    );
    const rows = pages.flat();
    // Every wanted row the light pass saw must be among them (by `CdrId`). One missing means
    // the PBX does not cut a period by each leg's own `StartTime` [inf] (by its call's start,
    // say): only the whole window is then sure to hold it.
    const got = new Set<string>();
    for (const row of rows) {
      const id = cdrIdOf(row);
      if (id !== null) got.add(id);
    }
    for (let i = 0; i < keys.length; i++) {
      if (!picked[i]) continue;
      const id = cdrIdOf(keys[i]);
      if (id === null || !got.has(id)) return whole();
    }
    return rows;
  }

  private tooManyRows(window: ReportWindow, what: string, rows: number): ThreeCxError {
    const seconds = Math.round((window.to - window.from) / 1000);
    return new ThreeCxError(
      'query_too_large',
      `3CX has ${rows} or more rows of ${what} in the ${seconds} seconds from ${new Date(window.from).toISOString()}, more than its reports are said to return (${this.maxRowsPerWindow}).`,
      'This is far beyond any real call volume: check the PBX for a call loop or a flood of calls.',
      200,
    );
  }

  private tooLarge(window: ReportWindow, what: string): ThreeCxError {
    const minutes = Math.round((window.to - window.from) / 60_000);
    return new ThreeCxError(
      'query_too_large',
      `3CX timed out (HTTP 504) reading ${what} even for the ${minutes} minutes from ${new Date(window.from).toISOString()}.`,
      'The PBX is overloaded or unusually busy: try again later, and if it keeps happening check its load in the admin console.',
      504,
    );
  }

  // ---- one request: token, 401 retry, transient retry ----------------------------------

  private async getObject<T extends object>(
    path: string,
    report: Omit<RequestContext, 'pbxUrl'>,
  ): Promise<T> {
    const body = await this.get(path, report, this.timeoutMs);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw notThreeCx(200, body, this.pbxUrl, report.what);
    }
    return body as T;
  }

  /** GET an XAPI path; the body of a 2xx answer. */
  private get(
    pathAndQuery: string,
    report: Omit<RequestContext, 'pbxUrl'>,
    timeoutMs: number,
  ): Promise<unknown> {
    const context = this.context(report);
    return this.withRetry(report.what, async () => {
      // 401 with a token we just got: it expired early or another user of this API client
      // replaced it (one token per client, docs/3cx-facts.md §1.2). Refetch once, retry once.
      const token = await this.tokens.accessToken();
      let response = await this.send(pathAndQuery, token, context, timeoutMs);
      if (response.status === 401) {
        this.onEvent({ type: 'token_rejected', what: report.what });
        const renewed = await this.tokens.renewAfterRejection(token);
        response = await this.send(pathAndQuery, renewed, context, timeoutMs);
      }
      if (response.status >= 200 && response.status < 300) return response.body;
      throw xapiStatusError(response.status, response.body, context);
    });
  }

  private async send(
    pathAndQuery: string,
    token: string,
    context: RequestContext,
    timeoutMs: number,
  ): Promise<HttpResponse> {
    try {
      return await this.transport.request({
        method: 'GET',
        url: `${this.pbxUrl}${XAPI_ROOT}${pathAndQuery}`,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        timeoutMs,
      });
    } catch (error) {
      if (isTransportError(error)) throw networkError(error, context, timeoutMs);
      throw error;
    }
  }

  private withRetry<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    return withTransientRetry(attempt, {
      maxRetries: this.maxRetries,
      baseDelayMs: this.retryDelayMs,
      sleep: this.sleep,
      onRetry: (n, error, delayMs) =>
        this.onEvent({
          type: 'request_retried',
          what,
          attempt: n,
          delayMs,
          problem: error.problem,
        }),
    });
  }

  private context(report: Omit<RequestContext, 'pbxUrl'>): RequestContext {
    return { pbxUrl: this.pbxUrl, ...report };
  }
}

/**
 * `GetCallLogData` with all eleven parameters: 3CX answers 404 if one is missing. Values are
 * the ones the 3CX console sends ("all" for every filter, parking/pickup legs hidden),
 * docs/3cx-facts.md §1.3.
 */
function callLogPath(window: ReportWindow): string {
  const parameters: Array<[string, ODataLiteral]> = [
    ['periodFrom', dateTimeLiteral(window.from)],
    ['periodTo', dateTimeLiteral(window.to)],
    ['sourceType', intLiteral(0)],
    ['sourceFilter', stringLiteral('')],
    ['destinationType', intLiteral(0)],
    ['destinationFilter', stringLiteral('')],
    ['callsType', intLiteral(0)],
    ['callTimeFilterType', intLiteral(0)],
    ['callTimeFilterFrom', stringLiteral('0:00:0')],
    ['callTimeFilterTo', stringLiteral('0:00:0')],
    ['hidePcalls', boolLiteral(true)],
  ];
  return `/ReportCallLogData/${functionCall('Pbx.GetCallLogData', parameters)}`;
}

/** `GetInboundCalls`: all trunks (`''`), no call-type filter (`0`), docs/3cx-facts.md §1.7. */
function inboundCallsPath(window: ReportWindow): string {
  const parameters: Array<[string, ODataLiteral]> = [
    ['periodFrom', dateTimeLiteral(window.from)],
    ['periodTo', dateTimeLiteral(window.to)],
    ['trunkDns', stringLiteral('')],
    ['callsType', intLiteral(0)],
  ];
  return `/ReportInboundCalls/${functionCall('Pbx.GetInboundCalls', parameters)}`;
}

/**
 * `GetAbandonedQueueCallsData`: one queue's DN as `queueDns` (what the console sends
 * [obs luxzg]; whether a list or `''` works is not shown, docs/xapi-schemas.md §1.4) and no
 * minimum wait.
 */
function abandonedQueueCallsPath(window: ReportWindow, queueDn: string): string {
  const parameters: Array<[string, ODataLiteral]> = [
    ['periodFrom', dateTimeLiteral(window.from)],
    ['periodTo', dateTimeLiteral(window.to)],
    ['queueDns', stringLiteral(queueDn)],
    ['waitInterval', stringLiteral('0:00:0')],
  ];
  return `/ReportAbandonedQueueCalls/${functionCall('Pbx.GetAbandonedQueueCallsData', parameters)}`;
}

/** The `value` array of an OData collection answer (docs/3cx-facts.md §1.1). */
function collectionValue<T>(body: unknown, context: RequestContext, status: number): T[] {
  const value =
    body !== null && typeof body === 'object' ? (body as { value?: unknown }).value : undefined;
  if (!Array.isArray(value)) throw notThreeCx(status, body, context.pbxUrl, context.what);
  return value as T[];
}

/** Rows at a window edge can come twice; `CdrId` is one per leg (docs/3cx-facts.md §1.4). */
function uniqueByCdrId<T extends { CdrId?: string | null }>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const id = row.CdrId;
    if (typeof id !== 'string' || id === '') return true;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function periodMillis(period: ReportPeriod): { from: number; to: number } {
  const from = toMillis(period.from);
  const to = toMillis(period.to);
  if (Number.isNaN(from) || Number.isNaN(to)) {
    throw new RangeError(`not a valid period: ${String(period.from)} to ${String(period.to)}`);
  }
  return { from, to };
}

/**
 * The period whose rows are those of `range` in the light pass (whole seconds, from the first
 * row's start to one second past the last's), within the window; null when a start is
 * unreadable. Read by period, not by `$skip` positions: legs logged late (§6) land inside the
 * window between the light pass and this read and move every position after them, but no
 * start time (issue 16: at 30 calls/min most polls lost their targeted reads that way).
 */
function rangePeriod(
  keys: readonly CallLogKeyRow[],
  range: RowRange,
  window: ReportWindow,
): ReportWindow | null {
  const first = startOf(keys[range.start]);
  const last = startOf(keys[range.end - 1]);
  if (Number.isNaN(first) || Number.isNaN(last)) return null;
  const from = Math.max(window.from, Math.floor(first / 1000) * 1000);
  const to = Math.min(window.to, Math.floor(last / 1000) * 1000 + 1000);
  return to > from ? { from, to } : null;
}

function startOf(row: CallLogKeyRow | undefined): number {
  return typeof row?.StartTime === 'string' ? parseUtcMillis(row.StartTime) : NaN;
}

/** The whole period as one window (whole seconds, like every report request). */
function periodWindow(period: ReportPeriod): ReportWindow {
  const { from, to } = periodMillis(period);
  return splitPeriod(from, to, Number.POSITIVE_INFINITY)[0];
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer`);
  return value;
}
