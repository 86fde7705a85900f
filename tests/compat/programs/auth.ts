// `connect` in its three forms: a new user, a user key, an encryption key.
import * as chat from '@botpress/chat';
import { env } from './util';

export async function main() {
  const out: Record<string, unknown> = {};
  const apiUrl = env('COMPAT_URL');

  const fresh = await chat.Client.connect({ apiUrl });
  out.fresh = [fresh instanceof chat.AuthenticatedClient, typeof fresh.user.id, typeof fresh.user.key, Object.keys(fresh.user).sort()];

  const named = await chat.Client.connect({ apiUrl, userId: 'auth-named' });
  out.named = named.user.id;

  const byKey = await chat.Client.connect({ apiUrl, userKey: named.user.key });
  out.byKey = [byKey.user.id, byKey.user.key === named.user.key];

  // webhookId + baseApiUrl give the same API as apiUrl.
  const [base, webhookId] = [apiUrl.slice(0, apiUrl.lastIndexOf('/')), apiUrl.slice(apiUrl.lastIndexOf('/') + 1)];
  const viaWebhook = await chat.Client.connect({ webhookId, baseApiUrl: base, userKey: named.user.key });
  out.viaWebhook = viaWebhook.user.id;

  const manual = await chat.Client.connect({ apiUrl: env('COMPAT_MANUAL_URL'), encryptionKey: env('COMPAT_ENCRYPTION_KEY'), userId: 'auth-manual' });
  out.manual = [manual.user.id, manual instanceof chat.AuthenticatedClient, manual.user.key.split('.').length];
  const again = await chat.Client.connect({ apiUrl: env('COMPAT_MANUAL_URL'), userKey: manual.user.key });
  out.manualByKey = again.user.id;
  const { conversation } = await manual.createConversation({});
  out.manualConversation = (await again.getConversation({ id: conversation.id })).conversation.id === conversation.id;
  return out;
}
