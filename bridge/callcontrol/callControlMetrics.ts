import { Counter, Gauge, type Registry } from 'prom-client';

/** The Call Control stream's Prometheus metrics, on the bridge's registry (bridge/metrics.ts). */
export class CallControlMetrics {
  private readonly connected: Gauge<'location'>;
  private readonly reconnects: Counter<'location'>;
  private readonly frames: Counter<'location' | 'type'>;
  private readonly verdicts: Counter<'verdict'>;
  private readonly contradictions: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.connected = new Gauge({
      name: 'bridge_callcontrol_connected',
      help: 'The location’s Call Control stream is connected (1) or not (0)',
      labelNames: ['location'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'bridge_callcontrol_reconnects_total',
      help: 'Call Control stream connections lost and opened again',
      labelNames: ['location'],
      registers,
    });
    this.frames = new Counter({
      name: 'bridge_callcontrol_events_total',
      help: 'Call Control stream events received, by type (upsert, remove, other)',
      labelNames: ['location', 'type'],
      registers,
    });
    this.verdicts = new Counter({
      name: 'bridge_fast_settle_total',
      help: 'Stream calls judged once quiet: missed (fast call.missed), log (left to the call log), still_active, late (checked too late to tell), check_failed',
      labelNames: ['verdict'],
      registers,
    });
    this.contradictions = new Counter({
      name: 'bridge_fast_settle_contradictions_total',
      help: 'Fast call.missed verdicts the call log later contradicted (answered or voicemail)',
      registers,
    });
  }

  setConnected(location: string, up: boolean): void {
    this.connected.set({ location }, up ? 1 : 0);
  }

  reconnected(location: string): void {
    this.reconnects.inc({ location });
  }

  frame(location: string, type: 'upsert' | 'remove' | 'other'): void {
    this.frames.inc({ location, type });
  }

  verdict(verdict: 'missed' | 'log' | 'still_active' | 'check_failed' | 'late'): void {
    this.verdicts.inc({ verdict });
  }

  contradiction(): void {
    this.contradictions.inc();
  }
}
