// The org jsforce's own setup (test/bin/org-setup, test/package) deploys, as an emulator seed: its custom objects, the
// external-id field its upsert tests use, a connected app for its OAuth tests, and the 25,005 rows of its big table
// (an auto-number Name, as jsforce's package defines it). Written to the path given as the first argument.
import { writeFileSync } from 'node:fs';

const [, , out, clientId, clientSecret, redirectUri] = process.argv;
const text = (name, length = 255) => ({ name, type: 'string', length });
const sample = [
  ['Edge Communications', [['Rose', 'Gonzalez'], ['Sean', 'Forbes']], [['Edge Emergency Generator', 'Closed Won', '2026-03-12', 75000], ['Edge Installation', 'Id. Decision Makers', '2026-11-20', 50000]]],
  ['Burlington Textiles Corp of America', [['Jack', 'Rogers']], [['Burlington Textiles Weaving Plant Generator', 'Closed Won', '2026-01-30', 235000]]],
  ['Pyramid Construction Inc.', [['Pat', 'Stumuller']], [['Pyramid Emergency Generators', 'Prospecting', '2026-12-15', 100000]]],
  ['Grand Hotels & Resorts Ltd', [['Tim', 'Barr'], ['John', 'Bond']], [['Grand Hotels Kitchen Generator', 'Id. Decision Makers', '2026-10-05', 15000], ['Grand Hotels Generator Installations', 'Closed Won', '2026-02-14', 350000]]],
  ['United Oil & Gas Corp.', [['Stella', 'Pavlova'], ['Lauren', 'Boyle']], [['United Oil Office Portable Generators', 'Negotiation/Review', '2026-12-01', 125000], ['United Oil Refinery Generators', 'Proposal/Price Quote', '2027-01-20', 270000]]],
  ['GenePoint', [['Edna', 'Frank']], [['GenePoint Standby Generator', 'Closed Won', '2026-06-18', 85000]]],
];
const seed = {
  orgs: [
    {
      key: 'default',
      apiDailyLimit: 10000000,
      connectedApps: [{ name: 'jsforce tests', clientId, clientSecret, callbackUrls: [redirectUri], requirePkce: false }],
      customObjects: [
        // Its Name is an auto-number, as jsforce's package defines it.
        { name: 'BigTable__c', nameFormat: '{00000000}', fields: [] },
        // An external id that is not unique: one of jsforce's tests upserts on a value two records share (300 Multiple Choices).
        { name: 'UpsertTable__c', fields: [{ ...text('ExtId__c', 50), externalId: true }] },
        { name: 'JSforceTestSetting__c', fields: [{ name: 'ExecLatch__c', type: 'datetime' }, text('ExecUsername__c'), text('TargetTableNames__c')] },
      ],
      records: {
        // jsforce's scratch org has sample data (hasSampleData): accounts with contacts and opportunities.
        Account: [
          ...Array.from({ length: 5 }, (_, i) => ({ Name: `JSforce Test Account #${i + 1}` })),
          ...sample.map(([name], i) => ({ '@ref': `account${i}`, Name: name })),
        ],
        Contact: sample.flatMap(([, contacts], i) => contacts.map(([FirstName, LastName]) => ({ FirstName, LastName, AccountId: `@account${i}` }))),
        Opportunity: sample.flatMap(([, , opportunities], i) =>
          opportunities.map(([Name, StageName, CloseDate, Amount]) => ({ Name, StageName, CloseDate, Amount, AccountId: `@account${i}` }))),
        BigTable__c: Array.from({ length: 25005 }, () => ({})),
      },
    },
  ],
};
writeFileSync(out, JSON.stringify(seed));
