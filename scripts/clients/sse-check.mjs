// Live messageAdded over Server-Sent Events as three real clients see it: the graphql-sse npm client in its
// distinct and single connection modes, and a headless Chromium's EventSource (single connection mode: a token from
// PUT, EventSource(?token=), the operation POSTed with the token). Needs Debian's `chromium` and `npm install` here.
// usage: node sse-check.mjs http://127.0.0.1:8080 <admin token>   (prints PASS/FAIL per client; exit 1 on a FAIL)
import { createClient } from 'graphql-sse';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';

const [base, token] = process.argv.slice(2);
const url = `${base}/graphql`;
const auth = { Authorization: `Bearer ${token}` };

async function gql(query, variables) {
  const r = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const j = await r.json();
  if (j.errors) throw new Error(JSON.stringify(j.errors));
  return j.data;
}
const conv = (await gql('{ conversations(first: 1, filter: {status: {eq: OPEN}}) { nodes { id } } }')).conversations.nodes[0].id;
const send = (text) => gql('mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }', { i: { conversationId: conv, senderKind: 'AGENT', content: text } }).then((d) => d.sendMessage.message.id);
const SUB = `subscription { messageAdded(conversationId: "${conv}") { id content } }`;

async function withClient(singleConnection) {
  const client = createClient({ url, singleConnection, headers: { ...auth }, retryAttempts: 0 });
  const it = client.iterate({ query: SUB });
  const first = it.next();
  await new Promise((r) => setTimeout(r, 1500));
  const id = await send(`graphql-sse singleConnection=${singleConnection}`);
  const got = await first;
  await it.return();
  client.dispose();
  const ok = got.value?.data?.messageAdded?.id === id;
  console.log(`${ok ? 'PASS' : 'FAIL'} graphql-sse client, singleConnection=${singleConnection}: ${JSON.stringify(got.value)}`);
  return ok;
}

async function chromium() {
  const port = 9333;
  const proc = spawn('chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', `--remote-debugging-port=${port}`, 'about:blank'], { stdio: 'ignore' });
  try {
    let targets;
    for (let i = 0; i < 50; i++) {
      try { targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json(); break; } catch { await new Promise((r) => setTimeout(r, 200)); }
    }
    const page = targets.find((t) => t.type === 'page');
    const ws = new WebSocket(page.webSocketDebuggerUrl);
    await new Promise((r) => ws.once('open', r));
    let n = 0;
    const call = (method, params) => new Promise((resolve) => {
      const id = ++n;
      const onMsg = (m) => { const j = JSON.parse(m); if (j.id === id) { ws.off('message', onMsg); resolve(j.result); } };
      ws.on('message', onMsg);
      ws.send(JSON.stringify({ id, method, params }));
    });
    await call('Page.enable');
    await call('Page.navigate', { url: `${base}/healthz` }); // same origin as the API
    await new Promise((r) => setTimeout(r, 1000));
    const script = `(async () => {
      const token = await (await fetch('/graphql', { method: 'PUT', headers: ${JSON.stringify(auth)} })).text();
      const source = new EventSource('/graphql?token=' + token);
      window.__got = new Promise((resolve) => source.addEventListener('next', (e) => resolve({ id: e.lastEventId, data: JSON.parse(e.data) })));
      await new Promise((r) => source.addEventListener('open', r));
      const r = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
        body: JSON.stringify({ query: ${JSON.stringify(SUB)}, extensions: { operationId: 'm1' } }) });
      return r.status;
    })()`;
    const posted = await call('Runtime.evaluate', { expression: script, awaitPromise: true, returnByValue: true });
    await new Promise((r) => setTimeout(r, 500));
    const id = await send('EventSource in Chromium');
    const got = await call('Runtime.evaluate', { expression: 'window.__got', awaitPromise: true, returnByValue: true });
    const v = got.result.value;
    const ok = posted.result.value === 202 && v?.data?.id === 'm1' && v?.data?.payload?.data?.messageAdded?.id === id;
    console.log(`${ok ? 'PASS' : 'FAIL'} Chromium EventSource (single connection mode): POST ${posted.result.value}, event ${JSON.stringify(v)}`);
    ws.close();
    return ok;
  } finally {
    proc.kill();
  }
}

const results = [await withClient(false), await withClient(true), await chromium()];
process.exit(results.every(Boolean) ? 0 : 1);
