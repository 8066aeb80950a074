/**
 * What a 3CX V20 build number changes in the XAPI answers. 20.0.N is taken to be V20 Update N
 * (docs/3cx-facts.md §1.2 [inf]).
 */
export interface PbxVersionFeatures {
  /**
   * Rows carry `CdrId`, `CallHistoryId`, `MainCallHistoryId`, `Direction`, `CallType`, `Status`:
   * added by the 2025-04-10 "update to 20.0.6" spec (docs/3cx-facts.md §1.4 History).
   */
  callHistoryIds: boolean;
  /**
   * `expires_in` is in seconds from 20.0.9 on (xapi-tutorial commit 1c6947c), in minutes
   * before (documented 60 = 60 minutes) (docs/3cx-facts.md §1.2).
   */
  expiresInSeconds: boolean;
}

export const DEFAULT_PBX_VERSION = '20.0.10.1040';

export function parseVersion(version: string): number[] {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  if (parts.length < 2 || parts.some((p) => !Number.isFinite(p) || p < 0)) {
    throw new RangeError(`not a 3CX version: ${JSON.stringify(version)}`);
  }
  return parts;
}

/** Negative when a < b, 0 when equal (missing parts count as 0), positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function versionFeatures(version: string): PbxVersionFeatures {
  return {
    callHistoryIds: compareVersions(version, '20.0.6') >= 0,
    expiresInSeconds: compareVersions(version, '20.0.9') >= 0,
  };
}
