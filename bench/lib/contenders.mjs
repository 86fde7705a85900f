// The three contenders behind one small interface, shared by the browser page,
// the Node runner and the workerd worker. Nothing here measures; see cases.mjs.
//
//   connect(apiUrl)                  -> client (hello check + a new user)
//   createConversation(client)       -> conversation id
//   createMessage(client, convId, t) -> resolves when the call has returned
//   listen(client, convId, protocol, onMessage) -> { close() }
//       onMessage(data) gets the `message_created` signal's data, as `.on('message_created')` does.
//
// Module loading differs per environment, so each contender is built from a loader
// that returns the imported (and initialised) module.

export const OURS_PROTOCOLS = ['sse', 'websocket'];

export function ours(mod) {
  return {
    name: 'ours',
    mod,
    async connect(apiUrl) {
      return mod.ChatClient.connect({ apiUrl });
    },
    async createConversation(client) {
      const { conversation } = await client.createConversation({});
      return conversation.id;
    },
    async createMessage(client, conversationId, text) {
      return client.createMessage({ conversationId, payload: { type: 'text', text } });
    },
    async listen(client, id, protocol, onMessage) {
      const l = await client.listenConversation({ id, protocol: protocol || 'sse' });
      l.on('message_created', onMessage);
      return { close: () => l.disconnect() };
    },
  };
}

export function official(mod) {
  const Client = mod.Client || (mod.default && mod.default.Client);
  return {
    name: 'official',
    mod,
    async connect(apiUrl) {
      return Client.connect({ apiUrl });
    },
    async createConversation(client) {
      const { conversation } = await client.createConversation({});
      return conversation.id;
    },
    async createMessage(client, conversationId, text) {
      return client.createMessage({ conversationId, payload: { type: 'text', text } });
    },
    async listen(client, id, protocol, onMessage) {
      if (protocol && protocol !== 'sse') throw new Error(`official @botpress/chat has no '${protocol}' protocol`);
      const l = await client.listenConversation({ id });
      l.on('message_created', onMessage);
      return { close: () => l.disconnect() };
    },
  };
}

// Raw baseline: fetch + JSON.parse, and for signals a fetch-stream reader with a
// line split (SSE) or a bare WebSocket. No validation beyond `response.ok`.
export function raw() {
  const post = async (c, path, body) => {
    const headers = { 'content-type': 'application/json' };
    if (c.key) headers['x-user-key'] = c.key;
    const r = await fetch(c.base + path, { method: 'POST', headers, body: JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status} ${text}`);
    return JSON.parse(text);
  };
  return {
    name: 'raw',
    async connect(apiUrl) {
      const h = await fetch(apiUrl + '/hello');
      await h.text();
      if (!h.ok) throw new Error(`/hello: HTTP ${h.status}`);
      const { user, key } = await post({ base: apiUrl }, '/users', {});
      return { base: apiUrl, key, user };
    },
    async createConversation(c) {
      return (await post(c, '/conversations', {})).conversation.id;
    },
    async createMessage(c, conversationId, text) {
      return post(c, '/messages', { conversationId, payload: { type: 'text', text } });
    },
    async listen(c, id, protocol, onMessage) {
      return protocol === 'websocket' ? rawWebSocket(c, id, onMessage) : rawSse(c, id, onMessage);
    },
  };
}

async function rawSse(c, id, onMessage) {
  const ac = new AbortController();
  const r = await fetch(`${c.base}/conversations/${id}/listen`, {
    headers: { 'x-user-key': c.key, accept: 'text/event-stream' },
    signal: ac.signal,
  });
  if (!r.ok) throw new Error(`listen: HTTP ${r.status}`);
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  (async () => {
    let buf = '';
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch {
        return; // aborted
      }
      if (chunk.done) return;
      buf += dec.decode(chunk.value, { stream: true });
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const line of lines) {
        if (!line.startsWith('data:')) continue;
        let s;
        try {
          s = JSON.parse(line.slice(5));
        } catch {
          continue; // keep-alive `ping`
        }
        if (s.type === 'message_created') onMessage(s.data);
      }
    }
  })();
  return { close: () => ac.abort() };
}

function rawWebSocket(c, id, onMessage) {
  const url = `${c.base.replace(/^http/, 'ws')}/conversations/${id}/listen?x-user-key=${encodeURIComponent(c.key)}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve({ close: () => ws.close() });
    ws.onerror = () => reject(new Error('websocket error'));
    ws.onmessage = (e) => {
      let s;
      try {
        s = JSON.parse(e.data);
      } catch {
        return;
      }
      if (s.type === 'message_created') onMessage(s.data);
    };
  });
}
