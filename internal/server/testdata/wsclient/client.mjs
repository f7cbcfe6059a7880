// The graphql-ws client, as a browser frontend or a Node service uses it, against a gridgov
// server: sign in through connection_init, subscribe to eventChanged, report a case and
// accept it through HTTP, receive both, then see the socket closed with 4403 once the
// subscriber's role is ended. Prints one JSON line of what happened; exits non-zero on failure.
//
// Environment: GRIDGOV_URL (http://host:port), TOKEN (the subscriber's), ADMIN_TOKEN,
// GRID_ID, CATEGORY_ID, ASSIGNMENT_ID (the subscriber's role, ended at the end).
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const env = process.env;
const base = env.GRIDGOV_URL;
const fail = (msg) => {
  console.log(JSON.stringify({ ok: false, error: msg }));
  process.exit(1);
};
setTimeout(() => fail('timed out after 20 s'), 20_000).unref();

async function post(token, query, variables) {
  const res = await fetch(base + '/graphql', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + token },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  if (body.errors) fail(`${query}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

let closed = null;
let connected;
const ready = new Promise((resolve) => (connected = resolve));
const client = createClient({
  url: base.replace(/^http/, 'ws') + '/graphql',
  webSocketImpl: WebSocket,
  connectionParams: { authorization: 'Bearer ' + env.TOKEN },
  retryAttempts: 0,
  on: {
    connected: () => connected(),
    closed: (event) => {
      closed = { code: event.code, reason: event.reason, at: Date.now() };
    },
  },
});

const deliveries = [];
const waiters = [];
const nextDelivery = () =>
  new Promise((resolve) => {
    if (deliveries.length) resolve(deliveries.shift());
    else waiters.push(resolve);
  });

client.subscribe(
  { query: 'subscription { eventChanged { kind kindLabel event { id title status } } }' },
  {
    next: (result) => {
      if (result.errors) fail('delivery with errors: ' + JSON.stringify(result.errors));
      const w = waiters.shift();
      if (w) w(result.data.eventChanged);
      else deliveries.push(result.data.eventChanged);
    },
    error: () => {}, // the close below is the expected end
    complete: () => {},
  },
);

await ready;
await new Promise((r) => setTimeout(r, 200)); // the subscribe message is read by the server

const { reportEvent } = await post(
  env.TOKEN,
  'mutation($g: ID!, $c: ID!) { reportEvent(input: {gridID: $g, categoryID: $c, title: "垃圾暴露", source: PATROL}) { id } }',
  { g: env.GRID_ID, c: env.CATEGORY_ID },
);
const reported = await nextDelivery();
if (reported.kind !== 'REPORTED' || reported.event.id !== reportEvent.id) fail('want REPORTED, got ' + JSON.stringify(reported));
await post(env.TOKEN, 'mutation($id: ID!) { acceptEvent(id: $id) { id } }', { id: reportEvent.id });
const accepted = await nextDelivery();
if (accepted.kind !== 'STEP' || accepted.event.status !== 'REGISTERED') fail('want STEP to REGISTERED, got ' + JSON.stringify(accepted));

const ended = Date.now();
await post(env.ADMIN_TOKEN, 'mutation($id: ID!) { endAssignment(id: $id) { id } }', { id: env.ASSIGNMENT_ID });
while (!closed && Date.now() - ended < 2000) await new Promise((r) => setTimeout(r, 10));
if (!closed) fail('socket still open 2 s after the role ended');
console.log(
  JSON.stringify({
    ok: closed.code === 4403,
    received: [reported.kind, accepted.kind],
    closeCode: closed.code,
    closeReason: closed.reason,
    closedAfterMs: closed.at - ended,
  }),
);
process.exit(closed.code === 4403 ? 0 : 1);
