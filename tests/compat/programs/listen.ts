// Listening with both protocols: own messages, the bot's echo, events, participants.
import * as chat from '@botpress/chat';
import { env, within } from './util';

type Seen = unknown[];

async function session(protocol: 'sse' | 'websocket') {
  const apiUrl = env('COMPAT_URL');
  const client = await chat.Client.connect({ apiUrl, userId: `listen-${protocol}` });
  const friend = await chat.Client.connect({ apiUrl, userId: `friend-${protocol}` });
  const { conversation } = await client.createConversation({ id: `listen-conv-${protocol}` });
  const listener = await client.listenConversation({ id: conversation.id, protocol });
  const out: Record<string, unknown> = {
    isSignalListener: listener instanceof chat.SignalListener,
    status: listener.status,
  };
  const seen: Seen[] = [];
  const ids = new Map<unknown, string>();
  /** Ids differ from run to run: each is shown as the order in which it was first seen. */
  const alias = (id: unknown) => {
    if (!ids.has(id)) ids.set(id, `id${ids.size}`);
    return ids.get(id);
  };
  let wake = () => {};
  const record = (type: string) => (data: Record<string, unknown>) => {
    const detail = type === 'message_created' || type === 'event_created'
      ? [data.isBot, data.payload, alias(data.id)]
      : [data.participantId ?? alias(data.id)];
    seen.push([type, ...detail] as Seen);
    wake();
  };
  listener.on('message_created', record('message_created'));
  listener.on('event_created', record('event_created'));
  listener.on('participant_added', record('participant_added'));
  listener.on('participant_removed', record('participant_removed'));
  listener.on('message_deleted', record('message_deleted'));
  const until = (n: number) => within(new Promise<void>((resolve) => {
    wake = () => seen.length >= n && resolve();
    wake();
  }), 10_000, `${n} signals`);

  const { message } = await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'hello' } });
  alias(message.id);
  await until(2);
  await client.createEvent({ conversationId: conversation.id, payload: { ping: 1 } });
  await until(4);
  await client.addParticipant({ conversationId: conversation.id, userId: friend.user.id });
  await until(5);
  await client.deleteMessage({ id: message.id });
  await until(6);

  let once = 0;
  listener.once('message_created', () => { once++; });
  let more = 0;
  listener.onceOrMore('message_created', () => (++more >= 2 ? 'stop-listening' : 'keep-listening'));
  await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'again' } });
  await until(8);
  await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'third' } });
  await until(10);
  out.once = once;
  out.onceOrMore = more;
  out.signals = seen;
  await listener.disconnect();
  out.afterDisconnect = listener.status;
  await listener.connect();
  out.afterReconnect = listener.status;
  await listener.disconnect();
  listener.cleanup();
  return out;
}

export async function main() {
  return { sse: await session('sse'), websocket: await session('websocket') };
}
