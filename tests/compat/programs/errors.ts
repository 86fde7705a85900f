// Every failure that can be provoked against chat-server, as the error class and fields
// the application sees.
import * as chat from '@botpress/chat';
import { env, failure, describeError } from './util';

export async function main() {
  const mod = chat as unknown as Record<string, unknown>;
  const apiUrl = env('COMPAT_URL');
  const out: Record<string, unknown> = {};
  const owner = await chat.Client.connect({ apiUrl, userId: 'err-owner' });
  const stranger = await chat.Client.connect({ apiUrl, userId: 'err-stranger' });
  const { conversation } = await owner.createConversation({ id: 'err-conv' });
  const anon = new chat.Client({ apiUrl });

  out.notFound = await failure(() => owner.getConversation({ id: 'does-not-exist' }), mod);
  out.messageNotFound = await failure(() => owner.getMessage({ id: 'no-such-message' }), mod);
  out.forbidden = await failure(() => stranger.getConversation({ id: conversation.id }), mod);
  out.forbiddenMessage = await failure(
    () => stranger.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: 'x' } }),
    mod,
  );
  out.badKey = await failure(() => anon.getUser({ 'x-user-key': 'not-a-key' }), mod);
  out.emptyText = await failure(
    () => owner.createMessage({ conversationId: conversation.id, payload: { type: 'text', text: '' } }),
    mod,
  );
  out.unknownPayloadField = await failure(
    () => owner.createMessage({ conversationId: conversation.id, payload: { type: 'image' } as never }),
    mod,
  );
  out.missingPayload = await failure(() => owner.createMessage({ conversationId: conversation.id } as never), mod);
  out.userExists = await failure(() => anon.createUser({ id: 'err-owner' }), mod);
  out.conversationExists = await failure(() => owner.createConversation({ id: 'err-conv' }), mod);
  out.participantUnknownUser = await failure(
    () => owner.addParticipant({ conversationId: conversation.id, userId: 'nobody-at-all' }),
    mod,
  );
  out.connectRefused = await failure(() => chat.Client.connect({ apiUrl: 'http://127.0.0.1:1/none' }), mod);
  out.callRefused = await failure(() => new chat.Client({ apiUrl: 'http://127.0.0.1:1/none' }).getUser({ 'x-user-key': 'k' }), mod);
  out.helloError = await failure(() => chat.Client.connect({ apiUrl: `${env('COMPAT_FAULT_URL')}/code2xx` }), mod);
  out.noUserId = await failure(() => chat.Client.connect({ apiUrl, encryptionKey: 'secret' }), mod);

  // The helpers and the classes themselves.
  out.errorFromBody = describeError(chat.errorFrom({ id: 'err_1', code: 403, type: 'Forbidden', message: 'no' }), mod);
  out.errorFromUnknownType = describeError(chat.errorFrom({ id: 'x', code: 418, type: 'Teapot', message: 'm' }), mod);
  out.errorFromString = describeError(chat.errorFrom('plain'), mod);
  out.errorFromError = describeError(chat.errorFrom(new Error('boom')), mod);
  out.isApiError = [
    chat.isApiError(new chat.ResourceNotFoundError('gone')),
    chat.isApiError({ isApiError: true }),
    chat.isApiError(new Error('x')),
    chat.isApiError(null),
  ];
  const made = new chat.RateLimitedError('slow', undefined, 'err_given', { retry: 1 });
  out.constructed = [made.code, made.type, made.id, made.message, made.metadata, made.isApiError, made.format(), made.toJSON()];
  out.configError = describeError(new chat.ChatConfigError('bad'), mod);
  out.httpError = [describeError(new chat.ChatHTTPError(502, 'gateway'), mod), new chat.ChatHTTPError(502, 'g').status];
  return out;
}
