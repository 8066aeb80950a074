import { formatODataDateTime } from '../odataTime';
import type { SimServices } from './simServices';

/**
 * The singletons: `Pbx.SystemStatus` (docs/xapi-schemas.md §2.5) and `Pbx.E164Settings` (§2.6), keys
 * in spec order. Values describe a healthy, licensed Enterprise system; `Version` is the one
 * the simulator plays and `CallsActive` counts its live calls.
 */
export const SYSTEM_STATUS_PROPERTIES = [
  'Activated',
  'AutoUpdateEnabled',
  'AvailableLocalIps',
  'BackupScheduled',
  'CallsActive',
  'ChatUsedSpace',
  'CurrentLocalIp',
  'DBMaintenanceInProgress',
  'DiskUsage',
  'ExpirationDate',
  'ExtensionsRegistered',
  'ExtensionsTotal',
  'FQDN',
  'FreeDiskSpace',
  'HasNotRunningServices',
  'HasUnregisteredSystemExtensions',
  'Id',
  'Ip',
  'IpV4',
  'IpV6',
  'IsAuditLogEnabled',
  'IsChatLogEnabled',
  'IsRecordingArchiveEnabled',
  'LastBackupDateTime',
  'LastCheckForUpdates',
  'LastSuccessfulUpdate',
  'LicenseActive',
  'LicenseKey',
  'LocalIpValid',
  'LogUsedSpace',
  'MaintenanceExpiresAt',
  'MaxSimCalls',
  'OS',
  'OutboundRules',
  'ProductCode',
  'RecordingQuota',
  'RecordingQuotaReached',
  'RecordingStopped',
  'RecordingUsedSpace',
  'RemoteConfigurationRequired',
  'RemoteStorageEnabled',
  'ResellerName',
  'Support',
  'TotalDiskSpace',
  'TrunksRegistered',
  'TrunksTotal',
  'Version',
  'VoicemailQuotaReached',
  'VoicemailStopped',
] as const;

const DAY_MS = 86400_000;
const GB = 1024 * 1024 * 1024;

export function systemStatus(s: SimServices): Record<string, unknown> {
  const now = s.clock.now();
  const extensions = s.directory.config.extensions.length;
  const trunks = s.directory.config.trunks.length;
  return {
    Activated: true,
    AutoUpdateEnabled: true,
    AvailableLocalIps: '10.20.0.5',
    BackupScheduled: true,
    CallsActive: s.pbx.activeCallCount(),
    ChatUsedSpace: 18_874_368,
    CurrentLocalIp: '10.20.0.5',
    DBMaintenanceInProgress: false,
    DiskUsage: 23,
    ExpirationDate: formatODataDateTime(startOfUtcDay(now) + 365 * DAY_MS),
    ExtensionsRegistered: extensions,
    ExtensionsTotal: extensions,
    FQDN: s.fqdn,
    FreeDiskSpace: 31 * GB,
    HasNotRunningServices: false,
    HasUnregisteredSystemExtensions: false,
    Id: 1,
    Ip: '203.0.113.40',
    IpV4: '203.0.113.40',
    IsAuditLogEnabled: true,
    IsChatLogEnabled: false,
    IsRecordingArchiveEnabled: false,
    LastBackupDateTime: formatODataDateTime(startOfUtcDay(now) - DAY_MS + 3 * 3600_000),
    LastCheckForUpdates: formatODataDateTime(startOfUtcDay(now) + 2 * 3600_000),
    LastSuccessfulUpdate: formatODataDateTime(startOfUtcDay(now) - 9 * DAY_MS),
    LicenseActive: true,
    LicenseKey: 'SIMU-LATE-D3CX-V20E',
    LocalIpValid: true,
    LogUsedSpace: 412_090_368,
    MaintenanceExpiresAt: formatODataDateTime(startOfUtcDay(now) + 365 * DAY_MS),
    MaxSimCalls: 16,
    OS: 'Linux',
    OutboundRules: 2,
    // An Enterprise licence: XAPI needs it (docs/3cx-facts.md §1.1).
    ProductCode: '3CXPSENT',
    RecordingQuota: 20 * GB,
    RecordingQuotaReached: false,
    RecordingStopped: false,
    RecordingUsedSpace: 2 * GB,
    RemoteConfigurationRequired: false,
    RemoteStorageEnabled: false,
    ResellerName: '3CX simulator',
    Support: true,
    TotalDiskSpace: 40 * GB,
    TrunksRegistered: trunks,
    TrunksTotal: trunks,
    Version: s.version,
    VoicemailQuotaReached: false,
    VoicemailStopped: false,
  };
}

export function e164Settings(s: SimServices): Record<string, unknown> {
  const c = s.country;
  return {
    AreaCode: c.areaCode,
    CountryCode: c.countryCode,
    CountryName: c.name,
    Enabled: true,
    InternationalCode: c.internationalCode,
    NationalCode: c.nationalCode,
    Prefix: '',
    RemoveAreaCode: false,
    RemoveCountryCode: false,
  };
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
