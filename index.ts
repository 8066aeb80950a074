import { defineApp, version as platformVersion } from 'zapier-platform-core';
import packageJson from './package.json';
import { updateCallRecordAction } from './actions/updateCallRecord';
import { authentication } from './lib/zapier/authentication';
import { addBridgeApiKey, explainBridgeErrors } from './lib/zapier/bridgeMiddleware';
import { callEnded } from './triggers/callEnded';
import { callStarted } from './triggers/callStarted';
import { missedCall } from './triggers/missedCall';
import { recentCall } from './triggers/recentCall';
import { sourceList } from './triggers/sourceList';

/**
 * The Zapier app (docs/design.md "Three ways people use it"): instant Missed Call, Call Started and
 * Call Ended triggers and the Update Call Record action, all over the bridge's HTTP API
 * (docs/api.md). Zapier loads it through the CommonJS shim `index.js` (docs/zapier-facts.md §1).
 */
export default defineApp({
  version: packageJson.version,
  platformVersion,
  authentication,
  beforeRequest: [addBridgeApiKey],
  afterResponse: [explainBridgeErrors],
  triggers: {
    [missedCall.key]: missedCall,
    [callStarted.key]: callStarted,
    [callEnded.key]: callEnded,
    [sourceList.key]: sourceList,
    [recentCall.key]: recentCall,
  },
  creates: {
    [updateCallRecordAction.key]: updateCallRecordAction,
  },
});
