// Type-checked (tsc --strict) by scripts/tests/36-realtime-js.sh: the realtime declarations.
import { ChatClient, ConnectionState, decodeSignal, SignalListener, Signal, UnknownSignal } from 'botpress-chat-wasm';
export async function run(client: ChatClient) {
  const l: SignalListener = await client.listenConversation({ id: 'c', protocol: 'websocket', reconnect: true, timeoutMs: 1000 });
  l.on('message_created', (d) => { const b: boolean = d.isBot; void b; });
  l.on('error', (e) => console.log(e.type, e.code));
  l.on('reconnecting', (r) => console.log(r.attempt, r.delayMs, r.error.message));
  const now: ConnectionState = l.state;
  l.on('state', ({ state, previous }) => console.log(now, previous, state === 'offline'));
  l.onceOrMore('message_stream_delta', (d) => (d.sequence > 3 ? 'stop-listening' : 'keep-listening'));
  for await (const s of l) {
    if (s.type === 'message_created') console.log(s.data.payload);
  }
  const r = await l.streamedMessage('s', (t) => console.log(t));
  console.log(r.text, r.message.id, l.status);
  const d: Signal | UnknownSignal = decodeSignal('{}');
  void d;
  l.disconnect();
}
