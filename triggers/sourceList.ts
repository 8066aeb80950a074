import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import { callBridge } from '../lib/zapier/bridgeRequest';

/**
 * Hidden: fills the Source List dropdown of the call triggers from `GET /v1/source-lists`
 * (docs/api.md). A source list is the CRM lead source a dialed number (DID) maps to.
 */
export interface SourceListChoice {
  id: string;
  name: string;
  dialed_numbers: string[];
}

export async function listSourceLists(z: ZObject, bundle: Bundle): Promise<SourceListChoice[]> {
  const { data } = await callBridge<{ data?: Partial<SourceListChoice>[] }>(z, bundle, {
    path: '/v1/source-lists',
  });
  return (Array.isArray(data?.data) ? data.data : [])
    .filter(
      (list): list is Partial<SourceListChoice> & { id: string } => typeof list?.id === 'string',
    )
    .map((list) => ({
      id: list.id,
      name: typeof list.name === 'string' && list.name.trim() !== '' ? list.name : list.id,
      dialed_numbers: Array.isArray(list.dialed_numbers) ? list.dialed_numbers : [],
    }));
}

export const sourceList = defineTrigger({
  key: 'source_list',
  noun: 'Source List',
  display: {
    label: 'New Source List',
    description: 'Triggers when a source list is set up in the bridge. Used for dropdowns.',
    hidden: true,
  },
  operation: {
    type: 'polling',
    perform: listSourceLists,
    sample: { id: 'sales', name: 'Sales line', dialed_numbers: ['+61881234501'] },
    outputFields: [
      { key: 'id', label: 'Source List ID', type: 'string' },
      { key: 'name', label: 'Source List Name', type: 'string' },
      { key: 'dialed_numbers', label: 'Dialed Numbers (DIDs)', type: 'string', list: true },
    ],
  },
});
