import { defineApp, version as platformVersion } from 'zapier-platform-core';
import packageJson from './package.json';
import { updateCallRecordAction } from './actions/updateCallRecord';
import { authentication } from './lib/zapier/authentication';
import { addBridgeApiKey, explainBridgeErrors } from './lib/zapier/bridgeMiddleware';
import { findCallSearch } from './searches/findCall';
import { callEnded } from './triggers/callEnded';
import { callStarted } from './triggers/callStarted';
import { callUpdated } from './triggers/callUpdated';
import { missedCall } from './triggers/missedCall';
import { missedCallNotReturned } from './triggers/missedCallNotReturned';
import { missedCallReturned } from './triggers/missedCallReturned';
import { recentCall } from './triggers/recentCall';
import { sourceList } from './triggers/sourceList';

/**
 * The Zapier app (docs/design.md "Three ways people use it"): instant Missed Call, Call Started,
 * Call Ended, Call Updated, Missed Call Returned and Missed Call Not Returned triggers, the Find
 * Call search and the Update Call Record action,
 * all over the bridge's HTTP API
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
    [callUpdated.key]: callUpdated,
    [missedCallReturned.key]: missedCallReturned,
    [missedCallNotReturned.key]: missedCallNotReturned,
    [sourceList.key]: sourceList,
    [recentCall.key]: recentCall,
  },
  searches: {
    [findCallSearch.key]: findCallSearch,
  },
  creates: {
    [updateCallRecordAction.key]: updateCallRecordAction,
  },
});
