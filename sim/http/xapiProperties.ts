/**
 * Property names per XAPI type, in spec order: what `$select`, `$orderby` and `$filter` may
 * name (anything else is a 400, as OData answers "Could not find a property named …").
 */
export const CALL_LOG_PROPERTIES = [
  'ActionDnCallerId',
  'ActionDnDisplayName',
  'actionDnDn',
  'ActionDnType',
  'ActionType',
  'Answered',
  'CallCost',
  'CallHistoryId',
  'CallId',
  'CallType',
  'CdrId',
  'DestinationCallerId',
  'DestinationDisplayName',
  'DestinationDn',
  'DestinationType',
  'Direction',
  'DstRecId',
  'Indent',
  'MainCallHistoryId',
  'QualityReport',
  'Reason',
  'RecordingUrl',
  'RingingDuration',
  'SegmentId',
  'SentimentScore',
  'SourceCallerId',
  'SourceDisplayName',
  'SourceDn',
  'SourceType',
  'SrcRecId',
  'StartTime',
  'Status',
  'SubrowDescNumber',
  'Summary',
  'TalkingDuration',
  'Transcription',
] as const;

/** Before 20.0.6 the spec lacks these six (docs/3cx-facts.md §1.4 History). */
export const CALL_LOG_PROPERTIES_SINCE_20_0_6 = [
  'CdrId',
  'CallHistoryId',
  'MainCallHistoryId',
  'Direction',
  'CallType',
  'Status',
] as const;

export const INBOUND_CALL_PROPERTIES = [
  'CallDuration',
  'CallHistoryId',
  'CdrId',
  'DestinationCallerId',
  'DestinationDisplayName',
  'DestinationDn',
  'Did',
  'QualityReport',
  'RecordingId',
  'RecordingUrl',
  'RingingDuration',
  'RuleName',
  'SentimentScore',
  'SourceCallerId',
  'SourceDisplayName',
  'SourceDn',
  'StartTime',
  'Status',
  'Summary',
  'TalkingDuration',
  'Transcription',
  'TrunkName',
  'TrunkNumber',
] as const;

/** `Pbx.AbandonedQueueCalls` (docs/xapi-schemas.md §2.8), in the spec's order. */
export const ABANDONED_QUEUE_CALL_PROPERTIES = [
  'CallerId',
  'CallHistoryId',
  'CallTime',
  'CallTimeForCsv',
  'ExtensionDisplayName',
  'ExtensionDn',
  'IsLoggedIn',
  'PollingAttempts',
  'QueueDisplayName',
  'QueueDn',
  'WaitTime',
] as const;

export const ACTIVE_CALL_PROPERTIES = [
  'Callee',
  'Caller',
  'EstablishedAt',
  'Id',
  'LastChangeStatus',
  'ServerNow',
  'Status',
] as const;

export const LAST_CDR_PROPERTIES = ['LastCdrStartedAt', 'LastChatMessageTimeSent'] as const;

export const E164_PROPERTIES = [
  'AreaCode',
  'CountryCode',
  'CountryName',
  'Enabled',
  'InternationalCode',
  'NationalCode',
  'Prefix',
  'RemoveAreaCode',
  'RemoveCountryCode',
] as const;

export const OFFICE_HOURS_PROPERTIES = [
  'BreakTime',
  'Hours',
  'OfficeHolidays',
  'SystemLanguage',
  'TimeZoneId',
] as const;
