// Drives the npm package salesforce-pubsub-api-client (pinned in package.json) against the emulator's Pub/Sub API:
// subscribes to a topic (from the earliest event, or after a replay id) until COUNT events arrived, optionally publishes
// one platform event first, and prints what it received, decoded by the client, as one JSON line.
import PubSubApiClient from 'salesforce-pubsub-api-client';

const env = process.env;
const quiet = { debug() {}, info() {}, warn: (...a) => console.error(...a), error: (...a) => console.error(...a) };
const client = new PubSubApiClient({
  authType: 'user-supplied',
  accessToken: env.ACCESS_TOKEN,
  instanceUrl: env.INSTANCE_URL,
  organizationId: env.ORG_ID,
  pubSubEndpoint: env.PUBSUB_ENDPOINT,
  rejectUnauthorizedSsl: false,
}, quiet);
await client.connect();

const result = { events: [], published: null };
if (env.PUBLISH) {
  const published = await client.publish(env.TOPIC, JSON.parse(env.PUBLISH), 'published-by-the-client');
  result.published = { replayId: published.replayId?.toString() ?? null, correlationKey: published.correlationKey };
}

const want = Number(env.COUNT);
const timer = setTimeout(() => { console.error('timed out'); process.exit(2); }, 30000);
await new Promise((resolve, reject) => {
  const callback = (_subscription, callbackType, data) => {
    if (callbackType === 'event') {
      result.events.push({ replayId: data.replayId.toString(), payload: data.payload });
      if (result.events.length >= want) resolve();
    } else if (callbackType === 'error') {
      reject(data);
    }
  };
  if (env.MODE === 'earliest') client.subscribeFromEarliestEvent(env.TOPIC, callback, want);
  else if (env.MODE === 'replay') client.subscribeFromReplayId(env.TOPIC, callback, want, Number(env.REPLAY_ID));
  else client.subscribe(env.TOPIC, callback, want);
});
clearTimeout(timer);
client.close();
console.log(JSON.stringify(result, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
process.exit(0);
