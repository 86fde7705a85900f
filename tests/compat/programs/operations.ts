// Every operation of both client classes, and the list helpers.
import * as chat from '@botpress/chat';
import { env, shape } from './util';

export async function main() {
  const apiUrl = env('COMPAT_URL');
  const out: Record<string, unknown> = {};

  const client = await chat.Client.connect({ apiUrl, userId: 'ops-user' });
  out.connected = { isAuthenticatedClient: client instanceof chat.AuthenticatedClient, user: shape(client.user) };
  out.userId = client.user.id;

  out.getUser = shape(await client.getUser({}));
  const updated = await client.updateUser({ name: 'Ada', pictureUrl: 'https://example.com/a.png' });
  out.updateUser = [updated.user.name, updated.user.pictureUrl];

  const { conversation } = await client.createConversation({ id: 'ops-conv' });
  out.createConversation = [conversation.id, shape(conversation)];
  out.getConversation = (await client.getConversation({ id: conversation.id })).conversation.id;
  out.getOrCreateConversation = (await client.getOrCreateConversation({ id: 'ops-conv-2' })).conversation.id;
  out.listConversations = shape(await client.listConversations({}));

  const metadata = { source: 'ops', nested: { n: 1, list: [true, null, 'x'] } };
  const text = await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'hi' }, metadata });
  out.createMessage = [text.message.payload, text.message.metadata, text.message.userId === client.user.id];
  const card = await client.createMessage({
    conversationId: conversation.id,
    payload: { type: 'card', title: 'T', actions: [{ action: 'url', label: 'L', value: 'https://example.com' }] },
  });
  out.card = card.message.payload;
  out.getMessage = (await client.getMessage({ id: text.message.id })).message.payload;
  // Four messages of our own: the listing holds more than one page (size 3) however many
  // of the bot's asynchronous echoes are stored yet.
  for (const extra of ['third', 'fourth']) {
    await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: extra } });
  }
  const page = await client.listMessages({ conversationId: conversation.id });
  out.listMessages = { shape: shape(page.meta), hasText: page.messages.some((m) => m.id === text.message.id) };
  out.deleteMessage = await client.deleteMessage({ id: card.message.id });

  const { event } = await client.createEvent({ conversationId: conversation.id, payload: { a: [1, 2] } });
  out.createEvent = [event.payload, shape(event)];
  out.getEvent = (await client.getEvent({ id: event.id })).event.payload;

  const other = await chat.Client.connect({ apiUrl, userId: 'ops-other' });
  out.addParticipant = (await client.addParticipant({ conversationId: conversation.id, userId: other.user.id })).participant.id;
  out.getParticipant = (await client.getParticipant({ conversationId: conversation.id, userId: other.user.id })).participant.id;
  out.listParticipants = (await client.listParticipants({ conversationId: conversation.id })).participants.map((p) => p.id).sort();
  out.removeParticipant = await client.removeParticipant({ conversationId: conversation.id, userId: other.user.id });

  // The list helpers: every item across pages (the server pages by 3).
  for (let i = 0; i < 7; i++) {
    await client.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: `m${i}` } });
  }
  const all = await client.list.messages({ conversationId: conversation.id }).collect();
  out.listCollect = all.filter((m) => m.userId === client.user.id).map((m) => (m.payload.type === 'text' ? m.payload.text : m.payload.type));
  out.listLimit = (await client.list.messages({ conversationId: conversation.id }).collect({ limit: 4 })).length;
  const iterated: string[] = [];
  for await (const c of client.list.conversations({})) iterated.push(c.id);
  out.listConversationsIterated = iterated.sort();
  out.listParticipantsHelper = (await client.list.participants({ conversationId: conversation.id }).collect()).map((p) => p.id);

  out.deleteConversation = await client.deleteConversation({ id: 'ops-conv-2' });

  // The same through Client, with the key in each call.
  const anon = new chat.Client({ apiUrl });
  const created = await anon.createUser({ id: 'ops-anon', name: 'Anon' });
  out.createUser = [created.user.id, created.user.name, typeof created.key];
  const key = created.key;
  out.clientGetUser = (await anon.getUser({ 'x-user-key': key })).user.id;
  out.clientGetOrCreateUser = (await anon.getOrCreateUser({ 'x-user-key': key })).user.id;
  const conv = await anon.createConversation({ 'x-user-key': key });
  out.clientListConversations = (await anon.list.conversations({ 'x-user-key': key }).collect()).map((c) => c.id === conv.conversation.id);
  out.clientCreateMessage = (await anon.createMessage({ 'x-user-key': key, conversationId: conv.conversation.id, payload: { type: 'text', text: 'x' } })).message.payload;
  out.clientListMessagesHelper = (await anon.list.messages({ 'x-user-key': key, conversationId: conv.conversation.id }).collect({ limit: 1 })).length;
  out.clientDeleteUser = await anon.deleteUser({ 'x-user-key': key });

  out.deleteUser = await other.deleteUser({});
  return out;
}
