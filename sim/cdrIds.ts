/**
 * Identifiers the way a V20 PBX hands them out.
 *
 * - `CallId`: a small integer counter per PBX (docs/3cx-facts.md §1.4 [obs bma]).
 * - `CdrId` / `CallHistoryId`: UUID-shaped, "4 zero bytes, 8-byte UTC time, 4-byte counter
 *   reset on restart", e.g. `00000000-01db-aef6-c109-60ec0000004c` (docs/3cx-facts.md §3.3). The time
 *   in that example decodes as a Windows FILETIME (100 ns ticks since 1601-01-01 UTC) in
 *   April 2025, so that is what the middle eight bytes carry here.
 */
const FILETIME_EPOCH_OFFSET_MS = 11644473600000n;

export class CdrIdAllocator {
  private callCounter: number;
  private uuidCounter = 0;
  private recordingCounter = 0;

  constructor(firstCallId = 1) {
    this.callCounter = firstCallId - 1;
  }

  nextCallId(): number {
    this.callCounter += 1;
    return this.callCounter;
  }

  /** `SrcRecId` / `DstRecId` and the `(N)` in a recording's file name. */
  nextRecordingId(): number {
    this.recordingCounter += 1;
    return this.recordingCounter;
  }

  /** A fresh `cdr_output`-style id stamped with the given UTC time. */
  nextUuid(atMs: number): string {
    this.uuidCounter = (this.uuidCounter + 1) >>> 0;
    const ticks = (BigInt(Math.floor(atMs)) + FILETIME_EPOCH_OFFSET_MS) * 10000n;
    const time = ticks.toString(16).padStart(16, '0').slice(-16);
    const counter = this.uuidCounter.toString(16).padStart(8, '0');
    return `00000000-${time.slice(0, 4)}-${time.slice(4, 8)}-${time.slice(8, 12)}-${time.slice(12, 16)}${counter}`;
  }
}

/** Milliseconds since the epoch encoded in a `cdrIdAllocator` id (for tests and debugging). */
export function uuidTimeMillis(uuid: string): number {
  const hex = uuid.replace(/-/g, '').slice(8, 24);
  return Number(BigInt(`0x${hex}`) / 10000n - FILETIME_EPOCH_OFFSET_MS);
}
