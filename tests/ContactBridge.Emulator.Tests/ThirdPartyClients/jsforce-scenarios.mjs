// Runs jsforce, a third-party Salesforce client, against a live ContactBridge emulator.
// usage: node jsforce-scenarios.mjs <scenario>   (EMULATOR_URL, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
//        USERNAME, PASSWORD in the environment). Prints one JSON object of observations; exits 1 on error.
import jsforce from 'jsforce';
import streamingApi from 'jsforce/lib/api/streaming.js';

const { StreamingExtension } = streamingApi;

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const base = env('EMULATOR_URL');
const oauthConfig = () => ({
  loginUrl: `${base}/login`,
  clientId: env('CLIENT_ID'),
  clientSecret: env('CLIENT_SECRET'),
  redirectUri: env('REDIRECT_URI'),
});

// A browser stand-in: keeps cookies, does not follow redirects, so each step can be checked.
const cookies = new Map();
async function http(url, init = {}) {
  const headers = new Headers(init.headers || {});
  if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  for (const c of res.headers.getSetCookie?.() ?? []) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
  }
  return res;
}
const field = (html, name) => {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!m) throw new Error(`no ${name} field on page: ${html.slice(0, 300)}`);
  return m[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
};
const formAction = (html, id) => {
  const m = html.match(new RegExp(`<form method="post" action="([^"]+)" id="${id}"`));
  if (!m) throw new Error(`no form ${id} on page: ${html.slice(0, 300)}`);
  return m[1].replace(/&amp;/g, '&');
};

async function webServerFlowWithPkce() {
  const oauth2 = new jsforce.OAuth2({ ...oauthConfig(), useVerifier: true });
  const state = 'st-' + Math.random().toString(36).slice(2);
  const authUrl = oauth2.getAuthorizationUrl({ scope: 'api refresh_token id', state });
  const seen = { pkceInUrl: authUrl.includes('code_challenge=') };

  let res = await http(authUrl);
  let html = await res.text();
  seen.loginPageStatus = res.status;
  seen.loginPageTitle = (html.match(/<h1>([^<]*)<\/h1>/) || [])[1];
  res = await http(formAction(html, 'login_form'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ oauth_query: field(html, 'oauth_query'), username: env('USERNAME'), pw: env('PASSWORD') }),
  });
  seen.loginRedirectStatus = res.status;
  res = await http(new URL(res.headers.get('location'), base).toString());
  html = await res.text();
  seen.consentPageTitle = (html.match(/<h1>([^<]*)<\/h1>/) || [])[1];
  res = await http(formAction(html, 'oauth_consent'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ oauth_query: field(html, 'oauth_query'), sid: field(html, 'sid'), decision: 'allow' }),
  });
  const callback = new URL(res.headers.get('location'));
  seen.callbackOrigin = `${callback.origin}${callback.pathname}`;
  seen.stateEchoed = callback.searchParams.get('state') === state;

  const conn = new jsforce.Connection({ oauth2 });
  const userInfo = await conn.authorize(callback.searchParams.get('code'));
  seen.userId = userInfo.id;
  seen.orgId = userInfo.organizationId;
  seen.instanceUrl = conn.instanceUrl;
  seen.hasRefreshToken = !!conn.refreshToken;
  const firstToken = conn.accessToken;

  let refreshed = 0;
  conn.on('refresh', () => { refreshed++; });
  // The emulator is told to expire every access token; jsforce must refresh on the 401 and carry on.
  const expire = await fetch(`${base}/_emulator/tokens/expire-access`, { method: 'POST' });
  seen.expiredTokens = (await expire.json()).expired;
  const users = await conn.query('SELECT Id, Username FROM User ORDER BY Username');
  seen.refreshEvents = refreshed;
  seen.tokenChanged = conn.accessToken !== firstToken;
  seen.usernames = users.records.map((r) => r.Username);
  const identity = await conn.identity();
  seen.identityUsername = identity.username;
  return seen;
}

async function passwordConnection() {
  const conn = new jsforce.Connection({ oauth2: oauthConfig(), version: '62.0' });
  await conn.login(env('USERNAME'), env('PASSWORD'));
  return conn;
}

async function data() {
  const conn = await passwordConnection();
  const seen = {};
  const total = Number(process.env.RECORDS || 5000);
  const records = Array.from({ length: total }, (_, i) => ({
    FirstName: `Bulk${i}`, LastName: `Loaded${String(i).padStart(5, '0')}`, Email: `bulk${i}@example.com`,
  }));
  const created = await conn.sobject('Contact').create(records, { allowRecursive: true });
  seen.created = created.filter((r) => r.success).length;

  // query + queryMore: autoFetch follows nextRecordsUrl until done.
  const fetched = [];
  let pages = 0;
  let result = await conn.query("SELECT Id, LastName FROM Contact WHERE FirstName LIKE 'Bulk%' ORDER BY LastName");
  seen.firstPageSize = result.records.length;
  seen.totalSize = result.totalSize;
  while (true) {
    pages++;
    fetched.push(...result.records);
    if (result.done) break;
    result = await conn.queryMore(result.nextRecordsUrl);
  }
  seen.pages = pages;
  seen.fetched = fetched.length;
  seen.distinctIds = new Set(fetched.map((r) => r.Id)).size;
  seen.sortedFirst = fetched[0].LastName;
  seen.sortedLast = fetched[fetched.length - 1].LastName;

  // CRUD on one record.
  const one = await conn.sobject('Contact').create({ LastName: 'Turing', FirstName: 'Alan', Phone: '+44 20 7946 0000' });
  const got = await conn.sobject('Contact').retrieve(one.id);
  seen.retrievedName = got.Name;
  await conn.sobject('Contact').update({ Id: one.id, Title: 'Mathematician' });
  seen.updatedTitle = (await conn.sobject('Contact').retrieve(one.id)).Title;
  await conn.sobject('Contact').destroy(one.id);
  try {
    await conn.sobject('Contact').retrieve(one.id);
    seen.deletedRetrieve = 'no error';
  } catch (e) {
    seen.deletedRetrieve = e.errorCode || e.name;
  }
  try {
    await conn.sobject('Contact').create({ FirstName: 'NoLastName' });
    seen.invalidCreate = 'no error';
  } catch (e) {
    seen.invalidCreate = e.errorCode || e.name;
  }

  // Upsert by external id: created, then updated.
  const up1 = await conn.sobject('Contact').upsert({ LastName: 'Hamilton', External_Key__c: 'ext-1' }, 'External_Key__c');
  const up2 = await conn.sobject('Contact').upsert({ LastName: 'Hamilton', Title: 'Director', External_Key__c: 'ext-1' }, 'External_Key__c');
  seen.upsertCreated = up1.created;
  seen.upsertSecondCreated = up2.created;
  seen.upsertSameId = up1.id === up2.id;

  // sObject collections: update and delete several records in one call each.
  const firstTen = fetched.slice(0, 10).map((r) => r.Id);
  const upd = await conn.sobject('Contact').update(firstTen.map((Id) => ({ Id, Department: 'Collections' })));
  seen.collectionUpdated = upd.filter((r) => r.success).length;
  const del = await conn.sobject('Contact').destroy(firstTen.slice(0, 5));
  seen.collectionDeleted = del.filter((r) => r.success).length;
  const after = await conn.query("SELECT COUNT() FROM Contact WHERE Department = 'Collections'");
  seen.remainingInDepartment = after.totalSize;

  // SOSL: find a caller by phone digits, whatever the punctuation in the stored number.
  await conn.sobject('Contact').create({ LastName: 'Caller', Phone: '+1 (415) 555-0199' });
  const found = await conn.search('FIND {4155550199} IN PHONE FIELDS RETURNING Contact(Id, Name, Phone)');
  seen.searchNames = found.searchRecords.map((r) => r.Name);
  return seen;
}

async function bulk() {
  const conn = await passwordConnection();
  conn.bulk2.pollInterval = 50;
  conn.bulk2.pollTimeout = 120000;
  const seen = {};
  // Every 1,000th row has no LastName, which Contact requires; the rest carry commas, quotes and line breaks.
  const input = Array.from({ length: 10000 }, (_, i) => ({
    FirstName: `Bulk2 ${i}`,
    LastName: i % 1000 === 999 ? '' : `Row, "${String(i).padStart(5, '0')}"`,
    Description: `line one\nline two of ${i}`,
  }));
  const results = await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'insert', input, pollInterval: 50, pollTimeout: 120000 });
  seen.successful = results.successfulResults.length;
  seen.failed = results.failedResults.length;
  seen.unprocessed = results.unprocessedRecords.length;
  seen.failedErrors = [...new Set(results.failedResults.map((r) => r.sf__Error.split(':')[0]))];
  seen.failedFirstNames = results.failedResults.map((r) => r.FirstName).slice(0, 3);
  seen.createdFlags = [...new Set(results.successfulResults.map((r) => r.sf__Created))];
  seen.distinctIds = new Set(results.successfulResults.map((r) => r.sf__Id)).size;

  const rows = await (await conn.bulk2.query("SELECT Id, FirstName, LastName, Description FROM Contact WHERE FirstName LIKE 'Bulk2 %' ORDER BY LastName", { pollInterval: 50, pollTimeout: 120000 })).toArray();
  seen.queried = rows.length;
  seen.queriedFirstLastName = rows[0].LastName;
  seen.queriedFirstDescription = rows[0].Description;
  return seen;
}

// Collects a subscription's messages; wait(n) resolves once n have arrived (or fails after a deadline).
function collector() {
  const messages = [];
  let waiters = [];
  const onMessage = (m) => {
    messages.push(m);
    waiters = waiters.filter((w) => (messages.length >= w.n ? (w.resolve(), false) : true));
  };
  const wait = (n, what) => new Promise((resolve, reject) => {
    if (messages.length >= n) return resolve();
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} ${what}; got ${messages.length}`)), 30000);
    waiters.push({ n, resolve: () => { clearTimeout(timer); resolve(); } });
  });
  return { messages, onMessage, wait };
}

async function streaming() {
  const conn = await passwordConnection();
  const seen = {};
  const admin = (path, method = 'GET') => http(`${base}/_emulator${path}`, { method }).then(async (r) => (r.status === 204 ? null : r.json()));
  const subscribe = async (channel, replayId, c) => {
    const client = conn.streaming.createClient([new StreamingExtension.Replay(channel, replayId)]);
    await client.subscribe(channel, c.onMessage);
    // A faye client is itself thenable, so it is handed back wrapped rather than awaited.
    return { client };
  };
  const publish = (state) => conn.sobject('Agent_State__e').create({ State__c: state });

  // A platform event and every change event, each on its own client, from now on (-1).
  const events = collector();
  const { client: eventsClient } = await subscribe('/event/Agent_State__e', -1, events);
  const changes = collector();
  const { client: changesClient } = await subscribe('/data/ChangeEvents', -1, changes);
  for (const state of ['Ready', 'Busy', 'Wrap']) await publish(state);
  await events.wait(3, 'platform events');
  seen.states = events.messages.map((m) => m.payload.State__c);
  seen.replayIdsRise = events.messages.every((m, i) => i === 0 || m.event.replayId > events.messages[i - 1].event.replayId);

  // Change events caused by REST and by a bulk job.
  const contact = await conn.sobject('Contact').create({ FirstName: 'Stream', LastName: 'Watcher' });
  await conn.sobject('Contact').update({ Id: contact.id, Title: 'Observer' });
  await conn.bulk2.loadAndWaitForResults({ object: 'Contact', operation: 'insert', input: [{ LastName: 'BulkOne' }, { LastName: 'BulkTwo' }], pollInterval: 50, pollTimeout: 60000 });
  await changes.wait(4, 'change events');
  seen.changeTypes = changes.messages.map((m) => m.payload.ChangeEventHeader.changeType);
  seen.changeOrigins = changes.messages.map((m) => m.payload.ChangeEventHeader.changeOrigin.split('/')[3]);
  seen.updatedFields = changes.messages[1].payload.ChangeEventHeader.changedFields;
  changesClient.disconnect();

  // Missed while disconnected: a new client replays from the last replay id it saw.
  const lastSeen = events.messages[events.messages.length - 1].event.replayId;
  eventsClient.disconnect();
  await publish('Away');
  await publish('Lunch');
  const resumed = collector();
  const { client: resumedClient } = await subscribe('/event/Agent_State__e', lastSeen, resumed);
  await resumed.wait(2, 'replayed events');
  seen.replayed = resumed.messages.map((m) => m.payload.State__c);
  const all = collector();
  const { client: allClient } = await subscribe('/event/Agent_State__e', -2, all);
  await all.wait(5, 'retained events');
  seen.allRetained = all.messages.map((m) => m.payload.State__c);
  allClient.disconnect();

  // Faults: the emulator forgets the client (it re-handshakes, resubscribes from its last replay id and
  // misses nothing), then cuts its held poll (it reconnects).
  const clientId = resumedClient._dispatcher.clientId;
  await admin(`/streaming/clients/${clientId}/expire`, 'POST');
  await publish('AfterExpiry');
  await resumed.wait(3, 'events after the session expired');
  seen.rehandshook = resumedClient._dispatcher.clientId !== clientId;
  const secondId = resumedClient._dispatcher.clientId;
  await admin(`/streaming/clients/${secondId}/drop`, 'POST');
  await publish('AfterDrop');
  await resumed.wait(4, 'events after the connection dropped');
  seen.afterFaults = resumed.messages.slice(2).map((m) => m.payload.State__c);
  resumedClient.disconnect();

  // A bad token: the handshake is refused with advice not to reconnect.
  const bogus = new jsforce.Connection({ instanceUrl: base, accessToken: 'not-a-token', version: '62.0' });
  seen.badAuth = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no auth failure reported')), 30000);
    const client = bogus.streaming.createClient([new StreamingExtension.AuthFailure((m) => {
      clearTimeout(timer);
      client.disconnect();
      resolve({ error: m.error, reconnect: m.advice.reconnect, reason: m.ext?.sfdc?.failureReason });
    })]);
    client.subscribe('/event/Agent_State__e', () => {});
  });
  return seen;
}

// The SOAP API through jsforce: its SOAP login and logout, and the partner calls of conn.soap.
async function soap() {
  const seen = {};
  const bad = new jsforce.Connection({ loginUrl: `${base}/login`, version: '62.0' });
  try {
    await bad.login(env('USERNAME'), 'wrong-password');
    seen.badLogin = 'accepted';
  } catch (e) {
    seen.badLogin = e.message;
  }
  const conn = new jsforce.Connection({ loginUrl: `${base}/login`, version: '62.0' });
  const user = await conn.login(env('USERNAME'), env('PASSWORD'));
  seen.userId = user.id;
  seen.organizationId = user.organizationId;
  seen.instanceUrl = conn.instanceUrl;
  seen.restQueryWithSoapSession = (await conn.query('SELECT COUNT() FROM User')).totalSize;
  const info = await conn.soap.getUserInfo();
  seen.userName = info.userName;

  const created = await conn.soap.create([{ type: 'Account', Name: 'SOAP Master' }, { type: 'Account', Name: 'SOAP Duplicate' }, { type: 'Contact', FirstName: 'NoLastName' }]);
  seen.createSuccess = created.map((r) => r.success);
  seen.createError = created[2].errors?.statusCode ?? created[2].errors?.[0]?.statusCode;
  const [master, duplicate] = created.map((r) => r.id);
  const contact = await conn.soap.create({ type: 'Contact', LastName: 'On Duplicate', AccountId: duplicate });
  const updated = await conn.soap.update({ type: 'Account', Id: master, Phone: '+1 415 555 0100' });
  seen.updateSuccess = updated.success;
  const upserted = await conn.soap.upsert('External_Key__c', [{ type: 'Contact', External_Key__c: 'soap-1', LastName: 'Upserted' }]);
  seen.upsertCreated = upserted[0].created;

  const merged = await conn.soap.merge({ masterRecord: { type: 'Account', Id: master }, recordToMergeIds: [duplicate] });
  seen.mergeSuccess = merged.success;
  seen.mergedRecordIds = [].concat(merged.mergedRecordIds);
  seen.contactAccountAfterMerge = (await conn.sobject('Contact').retrieve(contact.id)).AccountId;
  seen.masterId = master;

  const lead = await conn.sobject('Lead').create({ LastName: 'Convertible', Company: 'SOAP Lead Co' });
  const converted = await conn.soap.convertLead({ leadId: lead.id, convertedStatus: 'Closed - Converted', doNotCreateOpportunity: false });
  seen.convertSuccess = converted.success;
  seen.opportunityName = (await conn.sobject('Opportunity').retrieve(converted.opportunityId)).Name;

  const deleted = await conn.soap.delete([upserted[0].id]);
  seen.deleteSuccess = deleted[0].success;
  const undeleted = await conn.soap.undelete([upserted[0].id]);
  seen.undeleteSuccess = undeleted[0].success;
  seen.undeletedName = (await conn.sobject('Contact').retrieve(upserted[0].id)).LastName;

  const token = conn.accessToken;
  await conn.logout();
  const after = new jsforce.Connection({ instanceUrl: seen.instanceUrl, accessToken: token, version: '62.0' });
  try {
    await after.query('SELECT Id FROM User LIMIT 1');
    seen.afterLogout = 'still valid';
  } catch (e) {
    seen.afterLogout = e.errorCode ?? e.name;
  }
  return seen;
}

const scenarios = { 'oauth-pkce': webServerFlowWithPkce, data, bulk, streaming, soap };
const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario '${name}'; use one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await scenarios[name]()));
  // Streaming clients keep timers alive; the observations are out, so end here.
  process.exit(0);
} catch (e) {
  console.error(`${name} failed: ${e.errorCode ?? ''} ${e.message}\n${e.stack}`);
  process.exit(1);
}
