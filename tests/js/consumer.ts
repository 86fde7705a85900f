// A TypeScript consumer of the package: type-checked (never run) with
// `tsc --strict --noEmit -p tests/js/tsconfig.json` in scripts/tests/40-js.sh.
import init, {
  ChatClient,
  Client,
  isApiError,
  type ChatError,
  type ConnectedUser,
  type Conversation,
  type Message,
  type MessagePayload,
  type Signal,
  type SignalMap,
  type AsyncCollection,
  type ListMessagesOutput,
  type User,
} from 'botpress-chat-wasm';

export async function demo(apiUrl: string): Promise<void> {
  await init();

  const client: ChatClient = await ChatClient.connect({ apiUrl });
  const viaWebhook = await ChatClient.connect({ webhookId: 'wh', baseApiUrl: 'http://localhost', userId: 'me' });
  const signed = await Client.connect({ apiUrl, encryptionKey: 'secret', userId: 'u1', timeout: 5000 });
  const byKey = await ChatClient.connect({ apiUrl, userKey: signed.key, headers: { 'x-extra': '1' } });
  const me: ConnectedUser = client.user;
  const key: string = me.key + client.key + viaWebhook.apiUrl + byKey.apiVersion;

  const { conversation } = await client.createConversation({});
  const conv: Conversation = conversation;
  const { message } = await client.createMessage({
    conversationId: conv.id,
    payload: { type: 'text', text: 'hi' },
    metadata: { source: 'consumer' },
  });
  const payloads: MessagePayload[] = [
    { type: 'markdown', markdown: '**b**' },
    { type: 'location', latitude: 1, longitude: 2, title: 'T' },
    { type: 'card', title: 'C', actions: [{ action: 'url', label: 'L', value: 'https://x' }] },
    { type: 'carousel', items: [{ type: 'card', title: 'C', actions: [] }] },
    { type: 'choice', text: 'Pick', options: [{ label: 'A', value: 'a' }] },
    { type: 'bloc', items: [{ type: 'text', text: 'a' }, { type: 'image', imageUrl: 'https://x/i.png' }] },
  ];
  for (const payload of payloads) await client.createMessage({ conversationId: conv.id, payload });
  if (message.payload.type === 'text') {
    const t: string = message.payload.text;
    console.log(t);
  }

  const page: ListMessagesOutput = await client.listMessages({ conversationId: conv.id, nextToken: undefined });
  const next: string | undefined = page.meta.nextToken;
  const sorted: Message[] = [...page.messages].sort((a, b) => a.createdAt.localeCompare(b.createdAt));

  for await (const m of client.list.messages({ conversationId: conv.id })) {
    const id: string = m.id;
    console.log(id);
  }
  const msgs: AsyncCollection<Message> = client.list.messages({ conversationId: conv.id }, { timeout: 1000 });
  const firstTen: Message[] = await msgs.collect({ limit: 10 });
  const people: User[] = await client.list.participants({ conversationId: conv.id }).collect();
  const convs: Conversation[] = await client.list.conversations().collect();

  const { participant } = await client.addParticipant({ conversationId: conv.id, userId: 'other' });
  await client.getUser();
  await client.updateUser({ name: 'Ada' });
  await client.getEvent({ id: (await client.createEvent({ conversationId: conv.id, payload: { a: 1 } })).event.id });
  await client.deleteMessage({ id: message.id }, { signal: AbortSignal.timeout(1000) });

  const anon = new Client({ apiUrl, timeout: 10_000, retry: { maxRetries: 1 } });
  const created = await anon.createUser({ name: 'Bob' });
  const got = await anon.getUser({ 'x-user-key': created.key });
  const all: Conversation[] = await anon.list.conversations({ 'x-user-key': created.key }).collect();

  try {
    await client.getConversation({ id: 'nope' });
  } catch (e) {
    if (isApiError(e)) {
      const code: number = e.code;
      const id: string | undefined = e.id;
      console.log(code, id, e.type === 'ResourceNotFound');
    }
    const err = e as ChatError;
    if (err.type === 'Timeout' || err.type === 'Aborted' || err.type === 'Decode') console.log(err.message);
  }

  const onSignal = (s: Signal): string => {
    switch (s.type) {
      case 'message_created':
        return s.data.isBot ? 'bot' : s.data.userId;
      case 'message_stream_delta':
        return s.data.delta;
      case 'event_created':
        return s.data.id ?? 'bot event';
      default:
        return s.type;
    }
  };
  const created2: SignalMap['message_created'] = { ...sorted[0], isBot: false };
  console.log(onSignal({ type: 'message_created', data: created2 }));
  console.log(key, next, firstTen, people, convs, participant, got, all);
  client.free();
}

// Type errors the declarations must catch.
export async function mistakes(client: ChatClient, anon: Client): Promise<void> {
  // @ts-expect-error conversationId is required
  await client.createMessage({ payload: { type: 'text', text: 'x' } });
  // @ts-expect-error unknown payload type
  await client.createMessage({ conversationId: 'c', payload: { type: 'poll', text: 'x' } });
  // @ts-expect-error a bloc cannot hold a card
  await client.createMessage({ conversationId: 'c', payload: { type: 'bloc', items: [{ type: 'card', title: 't', actions: [] }] } });
  // @ts-expect-error x-user-key is required on Client
  await anon.getUser({});
  // @ts-expect-error not on a connected client
  await client.createUser({});
  // @ts-expect-error apiUrl or webhookId
  new Client({});
}
