/**
 * The 3CX V20 simulator: an HTTP server speaking the XAPI (token, call log, active calls,
 * reports, settings) with scripted call flows on a controllable clock. See sim/README.md.
 */
export { startSimulator, type Simulator, type SimulatorOptions } from './startSimulator';
export { SimClock, type SimClockMode, type SimClockOptions, type SimClockState } from './simClock';
export { SimPbx, type ActiveCallRow, type InboundCallRow } from './simPbx';
export { warmRowJson } from './odata/collectionJson';
export {
  SimFaults,
  faultSpecSchema,
  type SimFault,
  type SimFaultKind,
  type SimFaultSpec,
  type SimFaultView,
} from './simFaults';
export {
  callScriptSchema,
  parseCallScript,
  CallScriptError,
  type CallScript,
  type CallScriptKind,
  type IvrChoice,
} from './callScript';
export type {
  SimCall,
  SimLeg,
  ExpectedCall,
  ExpectedDirection,
  ExpectedOutcome,
  LegPartyKind,
} from './simCall';
export {
  DEFAULT_TRAFFIC_MIX,
  type TrafficMix,
  type TrafficOptions,
  type TrafficState,
} from './trafficGenerator';
export { FollowUpPlanner, e164CallerOf, type FollowUpTrafficOptions } from './followUpTraffic';
export { followUpTruth, type MissTruth, type FollowUpTruthOptions } from './followUpTruth';
export { DEFAULT_CLIENTS, type SimClientConfig, type SimRole } from './tokenIssuer';
export type {
  SimDestination,
  SimDid,
  SimExtension,
  SimIvr,
  SimQueue,
  SimRingGroup,
  SimTrunk,
} from './pbxDirectory';
export { DN_TYPE, CALL_TYPE } from './legShapes';
export {
  CALL_CONTROL_DN_TYPE,
  VOICEMAIL_MENU_DN,
  type CallControlParticipant,
  type ParticipantStatus,
} from './callcontrol/participantTimeline';
export type { DnInfo } from './callcontrol/callControlState';
export type { CallControlOptions, SimCallControl } from './callcontrol/simCallControl';
