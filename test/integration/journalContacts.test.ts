import {
  addJournalOnlyLocation,
  api,
  journal,
  threecxFor,
} from '../support/template/journalTestKit';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { acceptedContact, type TemplateRunner } from '../support/templateRunner';

/**
 * How the bridge's knowledge of contacts reaches the phones: 3CX looks the caller up through
 * 3cx-template.xml while the phone rings, and agents create contacts from the 3CX client.
 * 3CX's side is the template runner; the bridge is real, on loopback.
 */
let t: TestBridge;
let office: { locationId: string; apiKey: string };
let threecx: TemplateRunner;
beforeEach(async () => {
  t = await startTestBridge();
  office = addJournalOnlyLocation(t, 'Darwin Office');
  threecx = threecxFor(t, office.apiKey);
});
afterEach(async () => {
  await t.close();
});

/** A missed call from `number`, journaled by 3CX; its call id. */
async function missedCallFrom(number: string, extra: { contactId?: string; name?: string } = {}) {
  const now = t.sim.clock.now();
  const run = await journal(threecx, {
    callType: 'Missed',
    number,
    agent: '101',
    startedAt: now - 30_000,
    endedAt: now - 2_000,
    ...extra,
  });
  t.sim.clock.advance(60);
  return (run.response!.body as { call_id: string }).call_id;
}

describe('the contact lookup 3CX runs while the phone rings', () => {
  it('shows the contact Update Call Record set, however 3CX writes the number', async () => {
    const callId = await missedCallFrom('+61412345678');
    const patched = await api(t, office.apiKey, 'PATCH', `/v1/calls/${callId}`, {
      contact_id: 'crm-77',
      contact_name: 'Jane Citizen',
      contact_url: 'https://crm.example.com/contacts/77',
    });
    expect(patched.status).toBe(200);

    for (const asGiven of ['+61412345678', '0061412345678', '0412345678']) {
      const { contact } = await threecx.lookup(asGiven);
      expect(contact).toEqual({
        ContactID: 'crm-77',
        FirstName: 'Jane',
        LastName: 'Citizen',
        PhoneBusiness: '+61412345678',
        ...(asGiven === '0412345678' ? { PhoneBusiness2: '0412345678' } : {}),
        ContactUrl: 'https://crm.example.com/contacts/77',
        EntityId: 'crm-77',
        EntityType: 'Contacts',
      });
    }
    // The number without its plus (a `+` in a URL query is a space) is the same number.
    for (const q of ['61412345678', '%2B61412345678', '+61412345678']) {
      const answer = await api(t, office.apiKey, 'GET', `/3cx/lookup?number=${q}`);
      expect(answer.body).toMatchObject({ found: true, contact: { id: 'crm-77' } });
    }
  });

  it('shows a contact known only by its CRM link under its number, so 3CX keeps it', async () => {
    const callId = await missedCallFrom('+61412345678');
    await api(t, office.apiKey, 'PATCH', `/v1/calls/${callId}`, {
      contact_url: 'https://crm.example.com/contacts/9',
    });
    const { contact } = await threecx.lookup('+61412345678');
    expect(contact).toMatchObject({
      ContactID: '+61412345678',
      LastName: '+61412345678',
      ContactUrl: 'https://crm.example.com/contacts/9',
    });
  });

  it('finds nobody for an unknown number, an extension, or another location', async () => {
    const callId = await missedCallFrom('+61412345678');
    await api(t, office.apiKey, 'PATCH', `/v1/calls/${callId}`, { contact_name: 'Jane Citizen' });
    expect((await threecx.lookup('+61499999999')).contact).toBeNull();
    expect((await api(t, office.apiKey, 'GET', '/3cx/lookup?number=101')).body).toEqual({
      found: false,
    });
    const other = addJournalOnlyLocation(t, 'Perth Office');
    const theirs = await threecxFor(t, other.apiKey).lookup('+61412345678');
    expect(theirs.run.response).toEqual({ status: 200, body: { found: false } });
    expect(theirs.contact).toBeNull();
  });

  it('refuses a lookup without a valid key', async () => {
    const stranger = threecxFor(t, 'cxb_' + 'x'.repeat(43));
    const { run, contact } = await stranger.lookup('+61412345678');
    expect(run.response?.status).toBe(401);
    expect(contact).toBeNull();
  });

  it('learns a contact 3CX matched when it journals the call', async () => {
    await missedCallFrom('+61412345678', { contactId: 'crm-5', name: 'Bo Diddley' });
    const { contact } = await threecx.lookup('+61412345678');
    expect(contact).toMatchObject({ ContactID: 'crm-5', FirstName: 'Bo', LastName: 'Diddley' });
  });

  it('does not take a caller-id name alone for a known contact', async () => {
    await missedCallFrom('+61412345678', { name: 'MOBILE CALLER' });
    expect((await threecx.lookup('+61412345678')).contact).toBeNull();
  });
});

describe('creating a contact from the 3CX client', () => {
  it('stores it, answers in the lookup shape, and the lookup then finds it', async () => {
    const [created] = await threecx.run('CreateContactRecordFromClient', {
      Number: '+61499999999',
      FirstName: 'Sam',
      LastName: 'Lee',
      Company: 'Acme Plumbing',
      Email: 'sam@acme.test',
    });
    const fallbackUrl = `${t.url}/3cx/contacts/%2B61499999999`;
    expect(created.outputs).toEqual({
      ContactID: '+61499999999',
      FirstName: 'Sam',
      LastName: 'Lee',
      CompanyName: 'Acme Plumbing',
      Email: 'sam@acme.test',
      PhoneBusiness: '+61499999999',
      ContactUrl: fallbackUrl,
      EntityId: '+61499999999',
      EntityType: 'Contacts',
    });
    expect(acceptedContact(created, '+61499999999')).not.toBeNull();

    const { contact } = await threecx.lookup('0499999999');
    expect(contact).toMatchObject({ FirstName: 'Sam', CompanyName: 'Acme Plumbing' });
    const page = await api(t, office.apiKey, 'GET', '/3cx/contacts/%2B61499999999');
    expect(page.body).toMatchObject({ found: true, contact: { first_name: 'Sam' } });

    // The next miss from that number is a known contact's.
    const callId = await missedCallFrom('+61499999999');
    const record = await api(t, office.apiKey, 'GET', `/v1/calls/${callId}`);
    expect(record.body).toMatchObject({ known_contact: true, caller_name: 'Sam Lee' });
  });

  it('keeps what it knew when the client sends less', async () => {
    await threecx.run('CreateContactRecordFromClient', {
      Number: '+61499999999',
      FirstName: 'Sam',
      LastName: 'Lee',
      Company: 'Acme Plumbing',
      Email: '',
    });
    // A PBX that does not fill a field sends its placeholder: it changes nothing.
    const again = await api(t, office.apiKey, 'POST', '/3cx/contacts', {
      number: '+61499999999',
      first_name: '[FirstName]',
      company: '',
      email: 'sam@acme.test',
    });
    expect(again.body.contact).toMatchObject({
      first_name: 'Sam',
      company: 'Acme Plumbing',
      email: 'sam@acme.test',
    });
  });

  it('is off when the admin turns it off, and refuses a number that is no phone number', async () => {
    const off = threecxFor(t, office.apiKey, { CreateContactEnabled: 'False' });
    const [skipped] = await off.run('CreateContactRecordFromClient', { Number: '+61499999999' });
    expect(skipped.skipped).toBe(true);
    const bad = await api(t, office.apiKey, 'POST', '/3cx/contacts', { number: '101' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      { path: 'number', message: 'must be an outside phone number' },
    ]);
  });
});
