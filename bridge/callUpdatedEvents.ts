import {
  buildCallUpdatedEvent,
  changedRecordFields,
  type CallUpdatedEvent,
} from '../lib/callEvent';
import { toCallRecord } from './http/callRecordView';
import type { BridgeStore } from './store/bridgeStore';
import type { StoredCall } from './store/calls';
import type { Location } from './store/locations';

/**
 * `call.updated` (lib/callEvent.ts): a call's record changed, so subscribers hear of it through
 * the outbox like any other event. Call it inside the transaction that changed the record, with
 * the record before and after: nothing is sent when nothing really changed (a Zap writing the
 * same disposition twice), and the event is stored with the change or not at all.
 *
 * Writers: Update Call Record (`PATCH /v1/calls/:id`) and the call-back tracking
 * (bridge/followUp), which announces a miss returned, not returned in time, or tried again.
 */
export function announceCallUpdate(
  store: BridgeStore,
  location: Location,
  before: StoredCall,
  after: StoredCall,
  context: { now: number; publicUrl: string },
): CallUpdatedEvent | null {
  const previous = toCallRecord(before, location, context.publicUrl);
  const current = toCallRecord(after, location, context.publicUrl);
  const changedFields = changedRecordFields(previous, current);
  if (changedFields.length === 0) return null;
  // Numbered on the record, not by counting stored events: retention prunes old events, and a
  // count would hand out an id again (and the outbox would drop the new event as a duplicate).
  const revision = store.followUps.nextRevision(location.id, after.callId);
  const event = buildCallUpdatedEvent(current, {
    changedFields,
    revision,
    at: new Date(context.now).toISOString(),
  });
  store.events.append(location.id, event, { now: context.now });
  return event;
}
