/**
 * XAPI answers other than the call log (that one is `CallLeg`, lib/threecx/callLeg.ts).
 *
 * Names and types as the 3CX XAPI spec spells them (docs/xapi-schemas.md §2; SPEC-A = 3cx/xapi-tutorial
 * swagger.yaml 20.0.10, SPEC-B = a newer build). Every field is optional: 3CX leaves out keys
 * whose value is null instead of sending null (docs/xapi-schemas.md §5 "Null omission" [obs bonv]),
 * and fields come and go between V20 updates. Only fields the bridge may use are listed; an
 * answer can carry more.
 */

/** `GET /SystemStatus` (SPEC-A `Pbx.SystemStatus`, a single object). */
export interface SystemStatus {
  Id?: number;
  /** `20.0.10.1040`: decides the token's `expires_in` unit (lib/threecx/tokenLifetime.ts). */
  Version?: string | null;
  FQDN?: string | null;
  ProductCode?: string | null;
  LicenseActive?: boolean | null;
  Activated?: boolean | null;
  ExpirationDate?: string | null;
  MaintenanceExpiresAt?: string | null;
  CallsActive?: number | null;
  MaxSimCalls?: number | null;
  ExtensionsTotal?: number | null;
  ExtensionsRegistered?: number | null;
  TrunksTotal?: number | null;
  TrunksRegistered?: number | null;
  HasNotRunningServices?: boolean | null;
  ResellerName?: string | null;
}

/**
 * A row of `GET /ReportInboundCalls/Pbx.GetInboundCalls(…)` (`Pbx.InboundCall`, in both specs; SPEC-B adds `Recordings[]`, docs/xapi-schemas.md §2.4): one
 * inbound leg with the DID it came in on, which Call Control leaves empty (docs/3cx-facts.md §1.7, §2.3).
 */
export interface InboundCall {
  CdrId: string;
  CallHistoryId?: string | null;
  /** UTC date-time. */
  StartTime: string;
  /** The number dialled: maps the call to a CRM source list. */
  Did?: string | null;
  TrunkName?: string | null;
  TrunkNumber?: string | null;
  RuleName?: string | null;
  SourceDn?: string | null;
  SourceCallerId?: string | null;
  SourceDisplayName?: string | null;
  DestinationDn?: string | null;
  DestinationCallerId?: string | null;
  DestinationDisplayName?: string | null;
  /** Seen `Answered`, `Unanswered`, `Waiting` (docs/3cx-facts.md §1.4). */
  Status?: string | null;
  /** ISO 8601 durations (`PT1M12.5S`). */
  RingingDuration?: string | null;
  TalkingDuration?: string | null;
  CallDuration?: string | null;
  RecordingId?: number | null;
  RecordingUrl?: string | null;
  QualityReport?: boolean | null;
  SentimentScore?: number | null;
  Summary?: string | null;
  Transcription?: string | null;
}

/**
 * A row of `GET /ReportAbandonedQueueCalls/Pbx.GetAbandonedQueueCallsData(…)`
 * (`Pbx.AbandonedQueueCalls`, docs/xapi-schemas.md §2.8): one agent a queue polled for a call
 * whose caller hung up before anyone answered. Several rows share a `CallHistoryId`; only the
 * first carries `CallTime` [obs bonv].
 */
export interface AbandonedQueueCall {
  QueueDn: string;
  QueueDisplayName?: string | null;
  CallTime?: string | null;
  CallTimeForCsv?: string | null;
  /** ISO 8601 duration. */
  WaitTime?: string | null;
  CallerId?: string | null;
  ExtensionDn?: string | null;
  ExtensionDisplayName?: string | null;
  CallHistoryId?: string | null;
  PollingAttempts?: number | null;
  IsLoggedIn?: boolean | null;
}

/** A row of `GET /ActiveCalls` (SPEC-A `Pbx.ActiveCall`). `Status` is free text. */
export interface ActiveCall {
  Id: number;
  Caller?: string | null;
  Callee?: string | null;
  /** Seen `Ringing`, `Connected`, … (not an enum in the spec). */
  Status?: string | null;
  LastChangeStatus?: string | null;
  EstablishedAt?: string | null;
  ServerNow?: string | null;
}

/** A row of `GET /LastCdrAndChatMessageTimestamp` (SPEC-B only, an entity set of one row). */
export interface LastCdrAndChatMessageTimestamp {
  LastCdrStartedAt?: string | null;
  LastChatMessageTimeSent?: string | null;
}

/** `GET /E164Settings` (SPEC-A `Pbx.E164Settings`): how the PBX writes numbers (docs/3cx-facts.md §5). */
export interface E164Settings {
  Enabled?: boolean | null;
  CountryCode?: string | null;
  CountryName?: string | null;
  AreaCode?: string | null;
  NationalCode?: string | null;
  InternationalCode?: string | null;
  Prefix?: string | null;
  RemoveCountryCode?: boolean | null;
  RemoveAreaCode?: boolean | null;
}

export type DayOfWeek =
  'Sunday' | 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday';

export type RuleHoursType =
  | 'AllHours'
  | 'OfficeHours'
  | 'OutOfOfficeHours'
  | 'SpecificHours'
  | 'SpecificHoursExcludingHolidays'
  | 'OutOfSpecificHours'
  | 'OutOfSpecificHoursIncludingHolidays'
  | 'Never'
  | 'BreakTime';

/** `Pbx.Period`: `Start`/`Stop` are times of day, `HH:MM:SS`. */
export interface OfficeHoursPeriod {
  DayOfWeek?: DayOfWeek | null;
  Start?: string | null;
  Stop?: string | null;
}

/** `Pbx.Schedule`. */
export interface OfficeHoursSchedule {
  Type: RuleHoursType;
  IgnoreHolidays?: boolean | null;
  Periods?: OfficeHoursPeriod[];
}

/**
 * `Pbx.Holiday`. `TimeOfStartDate`/`TimeOfEndDate` are ISO durations (time-of-day offsets),
 * not times; `Day`/`Month` are plain numbers in real JSON (docs/xapi-schemas.md §2.7 notes).
 */
export interface OfficeHoliday {
  Id?: number;
  Name?: string;
  Day?: number;
  DayEnd?: number;
  Month?: number;
  MonthEnd?: number;
  Year?: number;
  YearEnd?: number;
  IsRecurrent?: boolean | null;
  TimeOfStartDate?: string;
  TimeOfEndDate?: string;
  HolidayPrompt?: string | null;
}

/** `GET /OfficeHours?$expand=OfficeHolidays` (SPEC-A `Pbx.OfficeHours`). */
export interface OfficeHours {
  /** The PBX's time zone (for local-day windows and business hours, docs/3cx-facts.md §1.7). */
  TimeZoneId?: string | null;
  Hours?: OfficeHoursSchedule | null;
  BreakTime?: OfficeHoursSchedule | null;
  /** A navigation property: present only with `$expand=OfficeHolidays`. */
  OfficeHolidays?: OfficeHoliday[];
  SystemLanguage?: string | null;
}
