import type { SimCallControl } from '../callcontrol/simCallControl';
import type { CountryDialling } from '../countryDialling';
import type { OfficeSchedule } from '../officeSchedule';
import type { PbxDirectory } from '../pbxDirectory';
import type { PbxVersionFeatures } from '../pbxVersion';
import type { SimClock } from '../simClock';
import type { SimFaults } from '../simFaults';
import type { PageQuirks } from '../odata/collectionQuery';
import type { SimPbx } from '../simPbx';
import type { TokenIssuer } from '../tokenIssuer';

/** Everything the HTTP layer serves from: one simulated PBX. */
export interface SimServices {
  clock: SimClock;
  pbx: SimPbx;
  tokens: TokenIssuer;
  faults: SimFaults;
  directory: PbxDirectory;
  country: CountryDialling;
  schedule: OfficeSchedule;
  /** `SystemStatus.Version`. */
  version: string;
  features: PbxVersionFeatures;
  fqdn: string;
  /** A report period longer than this answers 504 (docs/3cx-facts.md §1.3 [obs luxzg]). */
  maxPeriodDays: number;
  /** How report pages depart from plain OData (a page cap, `$select` ignored); none by default. */
  reportQuirks?: PageQuirks;
  /** Call Control: the participant view and the event stream (sim/callcontrol/). */
  callControl: SimCallControl;
}
