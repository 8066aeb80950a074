import { parseUtcMillis } from '../lib/utcTime';

/**
 * The simulator's clock. Everything the sim answers is a function of `now()`: which legs are
 * in the call log, which calls are active, whether a token or a fault has expired. Tests step
 * it (`manual`), the CLI and demo run it at wall speed (`realtime`) or faster (`accelerated`),
 * so no test ever depends on wall-clock luck.
 */
export type SimClockMode = 'manual' | 'realtime' | 'accelerated';

export interface SimClockOptions {
  mode?: SimClockMode;
  /** Start time: epoch milliseconds or an ISO 8601 string. Default 2026-03-02T09:00:00Z. */
  start?: string | number;
  /** Sim seconds per real second in `accelerated` mode (default 60). */
  factor?: number;
}

export interface SimClockState {
  now: number;
  iso: string;
  mode: SimClockMode;
  factor: number;
}

export const DEFAULT_SIM_START = Date.UTC(2026, 2, 2, 9, 0, 0);
const DEFAULT_ACCELERATION = 60;

export class SimClock {
  private anchorSim: number;
  private anchorReal: number;
  private currentMode: SimClockMode;
  private currentFactor: number;

  constructor(options: SimClockOptions = {}) {
    this.anchorSim = options.start === undefined ? DEFAULT_SIM_START : toSimMillis(options.start);
    this.anchorReal = realMillis();
    this.currentMode = options.mode ?? 'manual';
    this.currentFactor = factorFor(this.currentMode, options.factor);
  }

  get mode(): SimClockMode {
    return this.currentMode;
  }

  /** Sim seconds per real second: 0 when manual. */
  get factor(): number {
    return this.currentFactor;
  }

  /** Sim time in epoch milliseconds (integer). */
  now(): number {
    if (this.currentMode === 'manual') return this.anchorSim;
    return Math.floor(this.anchorSim + (realMillis() - this.anchorReal) * this.currentFactor);
  }

  /** Jump forward; works in every mode (a running clock keeps running from the new time). */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(`advance needs a non-negative number of seconds, got ${seconds}`);
    }
    this.rebase(this.now() + Math.round(seconds * 1000));
  }

  /** Set the time outright (epoch ms or ISO 8601). Going back in time is allowed. */
  set(value: number | string): void {
    this.rebase(toSimMillis(value));
  }

  setMode(mode: SimClockMode, factor?: number): void {
    const now = this.now();
    this.currentMode = mode;
    this.currentFactor = factorFor(mode, factor);
    this.rebase(now);
  }

  state(): SimClockState {
    const now = this.now();
    return { now, iso: new Date(now).toISOString(), mode: this.currentMode, factor: this.factor };
  }

  private rebase(simMillis: number): void {
    this.anchorSim = simMillis;
    this.anchorReal = realMillis();
  }
}

function factorFor(mode: SimClockMode, factor: number | undefined): number {
  if (mode === 'manual') return 0;
  if (mode === 'realtime') return 1;
  const f = factor ?? DEFAULT_ACCELERATION;
  if (!Number.isFinite(f) || f <= 0) throw new RangeError(`clock factor must be > 0, got ${f}`);
  return f;
}

export function toSimMillis(value: number | string): number {
  const ms = typeof value === 'number' ? value : parseUtcMillis(value);
  if (!Number.isFinite(ms)) throw new RangeError(`not a time: ${JSON.stringify(value)}`);
  return Math.floor(ms);
}

/** Monotonic real time: a wall-clock adjustment must not move the sim clock. */
function realMillis(): number {
  return performance.now();
}
