// The org jsforce's own setup (test/bin/org-setup, test/package) deploys, as an emulator seed: its custom objects, the
// external-id field its upsert tests use, a connected app for its OAuth tests, and the 25,005 rows of its big table
// (the emulator numbers their auto-number Names). Written to the path given as the first argument.
import { writeFileSync } from 'node:fs';

const [, , out, clientId, clientSecret, redirectUri] = process.argv;
const text = (name, length = 255) => ({ name, type: 'string', length });
const seed = {
  orgs: [
    {
      key: 'default',
      apiDailyLimit: 10000000,
      connectedApps: [{ name: 'jsforce tests', clientId, clientSecret, callbackUrls: [redirectUri], requirePkce: false }],
      customObjects: [
        { name: 'BigTable__c', fields: [] },
        // An external id that is not unique: one of jsforce's tests upserts on a value two records share (300 Multiple Choices).
        { name: 'UpsertTable__c', fields: [{ ...text('ExtId__c', 50), externalId: true }] },
        { name: 'JSforceTestSetting__c', fields: [{ name: 'ExecLatch__c', type: 'datetime' }, text('ExecUsername__c'), text('TargetTableNames__c')] },
      ],
      records: {
        Account: Array.from({ length: 5 }, (_, i) => ({ Name: `JSforce Test Account #${i + 1}` })),
        BigTable__c: Array.from({ length: 25005 }, () => ({})),
      },
    },
  ],
};
writeFileSync(out, JSON.stringify(seed));
