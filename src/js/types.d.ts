
/* ---- Models (dates are ISO 8601 strings; optional fields are omitted, never null) ---- */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** An arbitrary JSON object (message metadata, event payloads). */
export type JsonObject = { [key: string]: any };

export interface User {
  id: string;
  name?: string;
  pictureUrl?: string;
  profile?: string;
  createdAt: string;
  updatedAt: string;
}

/** The connected user and its key (`x-user-key`), as `ChatClient.user` returns it. */
export interface ConnectedUser extends User {
  key: string;
}

export interface Conversation {
  id: string;
  createdAt: string;
  updatedAt: string;
}

export interface Message {
  id: string;
  createdAt: string;
  conversationId: string;
  userId: string;
  payload: MessagePayload;
  /** Beside the payload, never inside it. */
  metadata?: JsonObject;
}

export interface Event {
  id: string;
  createdAt: string;
  conversationId: string;
  userId: string;
  payload: JsonObject;
}

/* ---- Message payloads (spec §5.5): 12 kinds discriminated by `type` ---- */

export interface TextPayload { type: 'text'; text: string }
export interface MarkdownPayload { type: 'markdown'; markdown: string }
export interface ImagePayload { type: 'image'; imageUrl: string }
export interface AudioPayload { type: 'audio'; audioUrl: string }
export interface VideoPayload { type: 'video'; videoUrl: string }
export interface FilePayload { type: 'file'; fileUrl: string; title?: string }
export interface LocationPayload { type: 'location'; latitude: number; longitude: number; address?: string; title?: string }
export interface CardAction { action: 'postback' | 'url' | 'say'; label: string; value: string }
export interface ChoiceOption { label: string; value: string }
export interface CardPayload { type: 'card'; title: string; subtitle?: string; imageUrl?: string; actions: CardAction[] }
export interface ChoicePayload { type: 'choice'; text: string; options: ChoiceOption[] }
export interface DropdownPayload { type: 'dropdown'; text: string; options: ChoiceOption[] }
export interface CarouselPayload { type: 'carousel'; items: CardPayload[] }
/** The kinds a bloc may contain. */
export type BlocItem = TextPayload | MarkdownPayload | ImagePayload | AudioPayload | VideoPayload | FilePayload | LocationPayload;
export interface BlocPayload { type: 'bloc'; items: BlocItem[] }
export type MessagePayload =
  | TextPayload | MarkdownPayload | ImagePayload | AudioPayload | VideoPayload | FilePayload
  | LocationPayload | CardPayload | ChoicePayload | DropdownPayload | CarouselPayload | BlocPayload;
export type MessagePayloadType = MessagePayload['type'];

/* ---- Realtime signals (spec §7.5) ---- */

export interface MessageCreatedSignal extends Message { isBot: boolean }
export interface MessageDeletedSignal { id: string; conversationId: string; userId: string }
export interface EventCreatedSignal {
  /** `null` for bot events, which are not stored. */
  id: string | null;
  createdAt: string;
  conversationId: string;
  userId: string;
  payload: JsonObject;
  isBot: boolean;
}
export interface ParticipantAddedSignal { conversationId: string; participantId: string }
export interface ParticipantRemovedSignal { conversationId: string; participantId: string }
export interface MessageStreamDeltaSignal {
  streamId: string;
  conversationId: string;
  userId: string;
  createdAt: string;
  clientMessageId?: string;
  sequence: number;
  delta: string;
}
export interface MessageStreamCompleteSignal { streamId: string; message: Message }
export interface MessageStreamAbortSignal { streamId: string; conversationId: string }
/** Signal data by signal type. */
export interface SignalMap {
  message_created: MessageCreatedSignal;
  message_deleted: MessageDeletedSignal;
  event_created: EventCreatedSignal;
  participant_added: ParticipantAddedSignal;
  participant_removed: ParticipantRemovedSignal;
  message_stream_delta: MessageStreamDeltaSignal;
  message_stream_complete: MessageStreamCompleteSignal;
  message_stream_abort: MessageStreamAbortSignal;
}
export type SignalType = keyof SignalMap;
/** A signal envelope `{type, data}`. */
export type Signal = { [K in SignalType]: { type: K; data: SignalMap[K] } }[SignalType];

/* ---- Errors ---- */

/** The API's error types (spec §6.3). */
export type ApiErrorType =
  | 'Unknown' | 'Internal' | 'Unauthorized' | 'Forbidden' | 'PayloadTooLarge' | 'InvalidPayload'
  | 'UnsupportedMediaType' | 'MethodNotFound' | 'ResourceNotFound' | 'InvalidJsonSchema'
  | 'InvalidDataFormat' | 'InvalidIdentifier' | 'RelationConflict' | 'ReferenceConstraint'
  | 'ResourceLockedConflict' | 'ResourceGone' | 'ReferenceNotFound' | 'InvalidQuery' | 'Runtime'
  | 'AlreadyExists' | 'RateLimited' | 'PaymentRequired' | 'QuotaExceeded' | 'LimitExceeded'
  | 'BreakingChanges' | 'OperationTimeout';
/**
 * Failures on the client side: no answer (`Network`), no answer in time (`Timeout`), cancelled
 * (`Aborted`), bad options or arguments (`Config`), an answer that is not the API's (`Decode`).
 */
export type ClientErrorType = 'Network' | 'Timeout' | 'Aborted' | 'Config' | 'Decode';
export type ChatErrorType = ApiErrorType | ClientErrorType;

/** Every rejection of this package is an `Error` with these fields. */
export interface ChatError extends Error {
  /** `'<type>Error'`, or `'AbortError'` for cancellations. */
  name: string;
  type: ChatErrorType;
  /** The HTTP status for API errors (e.g. 403); 0 for client-side errors. */
  code: number;
  /** The server's error id (`err_…`), when it gave one. */
  id?: string;
  metadata?: JsonObject;
  /** True when the server answered with an API error. */
  isApiError: boolean;
}
export interface ApiError extends ChatError { type: ApiErrorType; isApiError: true }

/* ---- Options ---- */

export interface RetryOptions {
  /** Retries of a GET answered 429/502/503/504 (default 3; 0 disables). */
  maxRetries?: number;
  /** First backoff delay without `Retry-After`, doubling each retry (default 300). */
  baseDelayMs?: number;
  /** Longest wait; a longer `Retry-After` ends the retries (default 10000). */
  maxDelayMs?: number;
}

interface CommonProps {
  /** Request timeout in milliseconds (default 60000). */
  timeout?: number;
  /** Extra headers sent with every API call. */
  headers?: Record<string, string>;
  retry?: RetryOptions;
  /** Largest accepted response body in bytes (default 1 MiB): refused unread when its
   *  Content-Length says more, otherwise counted as it arrives (and once decoded). */
  maxResponseBytes?: number;
}
export type ClientProps = CommonProps & (
  | { apiUrl: string; webhookId?: undefined; baseApiUrl?: undefined }
  | { webhookId: string; baseApiUrl?: string; apiUrl?: undefined }
);
export type ConnectProps = ClientProps & (
  | { userKey: string; encryptionKey?: undefined; userId?: undefined }
  | { encryptionKey: string; userId: string; userKey?: undefined }
  | { userId?: string; userKey?: undefined; encryptionKey?: undefined }
);

/** Per-call options (second argument of every operation). */
export interface CallOptions {
  signal?: AbortSignal;
  /** Timeout for this call in milliseconds. */
  timeout?: number;
}

/* ---- Operation inputs and outputs ---- */

export interface UserFields { name?: string; pictureUrl?: string; profile?: string }
export interface CreateUserInput extends UserFields { id?: string }
export interface GetUserInput {}
export interface GetOrCreateUserInput extends UserFields {}
export interface UpdateUserInput extends UserFields {}
export interface DeleteUserInput {}
export interface CreateConversationInput { id?: string }
export interface GetConversationInput { id: string }
export interface GetOrCreateConversationInput { id: string }
export interface DeleteConversationInput { id: string }
export interface ListConversationsInput { nextToken?: string }
export interface ListMessagesInput { conversationId: string; nextToken?: string }
export interface AddParticipantInput { conversationId: string; userId: string }
export interface GetParticipantInput { conversationId: string; userId: string }
export interface RemoveParticipantInput { conversationId: string; userId: string }
export interface ListParticipantsInput { conversationId: string; nextToken?: string }
export interface CreateMessageInput { conversationId: string; payload: MessagePayload; metadata?: JsonObject }
export interface GetMessageInput { id: string }
export interface DeleteMessageInput { id: string }
export interface CreateEventInput { conversationId: string; payload: JsonObject }
export interface GetEventInput { id: string }

export interface ListMeta { nextToken?: string }
export interface CreateUserOutput { user: User; key: string }
export interface GetUserOutput { user: User }
export interface GetOrCreateUserOutput { user: User }
export interface UpdateUserOutput { user: User }
export interface DeleteUserOutput {}
export interface CreateConversationOutput { conversation: Conversation }
export interface GetConversationOutput { conversation: Conversation }
export interface GetOrCreateConversationOutput { conversation: Conversation }
export interface DeleteConversationOutput {}
export interface ListConversationsOutput { conversations: Conversation[]; meta: ListMeta }
export interface ListMessagesOutput { messages: Message[]; meta: ListMeta }
export interface AddParticipantOutput { participant: User }
export interface GetParticipantOutput { participant: User }
export interface RemoveParticipantOutput {}
export interface ListParticipantsOutput { participants: User[]; meta: ListMeta }
export interface CreateMessageOutput { message: Message }
export interface GetMessageOutput { message: Message }
export interface DeleteMessageOutput {}
export interface CreateEventOutput { event: Event }
export interface GetEventOutput { event: Event }

/** Input and output of each operation, by name. */
export interface Operations {
  createUser: { input: CreateUserInput; output: CreateUserOutput };
  getUser: { input: GetUserInput; output: GetUserOutput };
  getOrCreateUser: { input: GetOrCreateUserInput; output: GetOrCreateUserOutput };
  updateUser: { input: UpdateUserInput; output: UpdateUserOutput };
  deleteUser: { input: DeleteUserInput; output: DeleteUserOutput };
  createConversation: { input: CreateConversationInput; output: CreateConversationOutput };
  getConversation: { input: GetConversationInput; output: GetConversationOutput };
  getOrCreateConversation: { input: GetOrCreateConversationInput; output: GetOrCreateConversationOutput };
  deleteConversation: { input: DeleteConversationInput; output: DeleteConversationOutput };
  listConversations: { input: ListConversationsInput; output: ListConversationsOutput };
  listMessages: { input: ListMessagesInput; output: ListMessagesOutput };
  addParticipant: { input: AddParticipantInput; output: AddParticipantOutput };
  getParticipant: { input: GetParticipantInput; output: GetParticipantOutput };
  removeParticipant: { input: RemoveParticipantInput; output: RemoveParticipantOutput };
  listParticipants: { input: ListParticipantsInput; output: ListParticipantsOutput };
  createMessage: { input: CreateMessageInput; output: CreateMessageOutput };
  getMessage: { input: GetMessageInput; output: GetMessageOutput };
  deleteMessage: { input: DeleteMessageInput; output: DeleteMessageOutput };
  createEvent: { input: CreateEventInput; output: CreateEventOutput };
  getEvent: { input: GetEventInput; output: GetEventOutput };
}
export type OperationName = keyof Operations;
/** The operations of an authenticated client (all but createUser and getOrCreateUser). */
export type AuthenticatedOperationName = Exclude<OperationName, 'createUser' | 'getOrCreateUser'>;
/** The key header every operation but createUser takes on `Client`. */
export interface UserKeyHeader { 'x-user-key': string }

/* ---- Pagination ---- */

/** Every item across pages, fetched lazily; async-iterable. */
export interface AsyncCollection<T> extends AsyncIterableIterator<T> {
  next(): Promise<IteratorResult<T, undefined>>;
  /** Stops early (what `break` in `for await` calls). */
  return(): Promise<IteratorResult<T, undefined>>;
  [Symbol.asyncIterator](): AsyncCollection<T>;
  /** The remaining items (at most `limit`) as an array. */
  collect(props?: { limit?: number }): Promise<T[]>;
}

export interface ChatLists {
  conversations(args?: ListConversationsInput, options?: CallOptions): AsyncCollection<Conversation>;
  messages(args: ListMessagesInput, options?: CallOptions): AsyncCollection<Message>;
  participants(args: ListParticipantsInput, options?: CallOptions): AsyncCollection<User>;
}
export interface ClientLists {
  conversations(args: ListConversationsInput & UserKeyHeader, options?: CallOptions): AsyncCollection<Conversation>;
  messages(args: ListMessagesInput & UserKeyHeader, options?: CallOptions): AsyncCollection<Message>;
  participants(args: ListParticipantsInput & UserKeyHeader, options?: CallOptions): AsyncCollection<User>;
}

/* ---- Operation methods of the two client classes ---- */

export type AuthenticatedClientOperations = {
  [K in AuthenticatedOperationName]: {} extends Operations[K]['input']
    ? (args?: Operations[K]['input'], options?: CallOptions) => Promise<Operations[K]['output']>
    : (args: Operations[K]['input'], options?: CallOptions) => Promise<Operations[K]['output']>;
};
export type ClientOperations = {
  [K in OperationName]: (
    args: K extends 'createUser' ? Operations[K]['input'] : Operations[K]['input'] & UserKeyHeader,
    options?: CallOptions,
  ) => Promise<Operations[K]['output']>;
};

/** Is this value an error the server answered with? */
export function isApiError(error: unknown): error is ApiError;

export interface ChatClient extends AuthenticatedClientOperations {}
export interface Client extends ClientOperations {}
