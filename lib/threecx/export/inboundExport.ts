import { cell, findColumns, type ColumnIndex } from './exportColumns';
import { readExportParty } from './exportParty';

/**
 * A row of 3CX's Inbound Calls report as exported to CSV. Its column names were not recorded
 * with the real exports (docs/3cx-facts.md §8); they are read by the names of the XAPI row
 * (`Pbx.InboundCall`, docs/xapi-schemas.md §2.4) in words, with the usual variants [inf]. What
 * the bridge takes from it: the DID of each call (`Call ID` → `DID`), and the trunk's DN
 * (`Trunk` as `Name (DN)`): a side of a leg on that DN is outside (lib/legRules.ts).
 */
export const INBOUND_COLUMNS = {
  callId: { names: ['Call ID', 'CallHistoryId', 'Call History ID'], required: false },
  did: { names: ['DID', 'Did', 'DID Number', 'Dialed Number', 'Dialled Number'], required: true },
  trunk: { names: ['Trunk', 'Trunk Name', 'Line'], required: false },
} as const;

export type InboundColumns = ColumnIndex<keyof typeof INBOUND_COLUMNS>;

export interface InboundRow {
  callHistoryId: string | null;
  did: string | null;
  trunkDn: string | null;
}

export function inboundColumns(header: readonly string[]): InboundColumns {
  return findColumns(header, INBOUND_COLUMNS);
}

export function readInboundRow(cells: readonly string[], columns: InboundColumns): InboundRow {
  const trunk = readExportParty(cell(cells, columns.trunk));
  return {
    callHistoryId: cell(cells, columns.callId) || null,
    did: cell(cells, columns.did) || null,
    trunkDn: trunk.shape === 'name (dn)' ? trunk.dn : null,
  };
}
