
/* ---- Models, payloads, signals: the declarations generated from the Rust types are in
 * generated.d.ts (the same package declaration file); these name their parts. ---- */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** An arbitrary JSON object (message metadata, event payloads). */
export type JsonObject = { [key: string]: any };

/** The connected user and its key (`x-user-key`), as `ChatClient.user` returns it. */
export type ConnectedUser = User & { key: string };

/** One kind of message payload, by its `type`. */
export type PayloadOf<T extends MessagePayload['type']> = Extract<MessagePayload, { type: T }>;
export type TextPayload = PayloadOf<'text'>;
export type MarkdownPayload = PayloadOf<'markdown'>;
export type ImagePayload = PayloadOf<'image'>;
export type AudioPayload = PayloadOf<'audio'>;
export type VideoPayload = PayloadOf<'video'>;
export type FilePayload = PayloadOf<'file'>;
export type LocationPayload = PayloadOf<'location'>;
export type ChoicePayload = PayloadOf<'choice'>;
export type DropdownPayload = PayloadOf<'dropdown'>;
export type CarouselPayload = PayloadOf<'carousel'>;
export type BlocPayload = PayloadOf<'bloc'>;
export type MessagePayloadType = MessagePayload['type'];

/** Signal data by signal type. */
export type SignalMap = { [S in Signal as S['type']]: S['data'] };
export type SignalType = keyof SignalMap;
export type ParticipantAddedSignal = SignalMap['participant_added'];
export type ParticipantRemovedSignal = SignalMap['participant_removed'];

/* ---- Errors ---- */

/** The API's error types (PROTOCOL.md §6.3). */
export type ApiErrorType =
  | 'Unknown' | 'Internal' | 'Unauthorized' | 'Forbidden' | 'PayloadTooLarge' | 'InvalidPayload'
  | 'UnsupportedMediaType' | 'MethodNotFound' | 'ResourceNotFound' | 'InvalidJsonSchema'
  | 'InvalidDataFormat' | 'InvalidIdentifier' | 'RelationConflict' | 'ReferenceConstraint'
  | 'ResourceLockedConflict' | 'ResourceGone' | 'ReferenceNotFound' | 'InvalidQuery' | 'Runtime'
  | 'AlreadyExists' | 'RateLimited' | 'PaymentRequired' | 'QuotaExceeded' | 'LimitExceeded'
  | 'BreakingChanges' | 'OperationTimeout';
/** `@botpress/chat`'s name for the API error types. */
export type ErrorType = ApiErrorType;
/**
 * Failures on the client side, reported as `UnknownError` subclasses (as `@botpress/chat` reports
 * them as UnknownError): no answer (`Network`), no answer in time (`Timeout`), cancelled
 * (`Aborted`), an answer that is not the API's (`Decode`). Bad options are `ChatConfigError`
 * (`type: 'Config'`).
 */
export type ClientErrorType = 'Network' | 'Timeout' | 'Aborted' | 'Config' | 'Decode';
export type ChatErrorType = ApiErrorType | ClientErrorType;

/** The fields this package's API errors carry (see the classes below). */
export interface ChatError extends Error {
  type: ChatErrorType;
  /** The class's status (e.g. 403; 500 for UnknownError and its subclasses). */
  code: number;
  /** The HTTP status of the answer, when there was one. */
  status?: number;
  /** The server's error id (`err_…`), or one made on the client. */
  id?: string;
  metadata?: JsonObject;
  /** True for API errors (every class but the ChatClientError family). */
  isApiError: boolean;
}

/** The base of the API error classes (not exported, as in `@botpress/chat`). */
declare abstract class BaseApiError<Code extends number, Type extends string> extends Error {
  readonly code: Code;
  readonly description: string;
  readonly type: Type;
  readonly message: string;
  readonly error?: Error | undefined;
  readonly id?: string | undefined;
  readonly metadata?: Record<string, unknown> | undefined;
  readonly isApiError: true;
  /** The HTTP status of the answer, when there was one. */
  readonly status?: number;
  constructor(code: Code, description: string, type: Type, message: string, error?: Error, id?: string, metadata?: Record<string, unknown>);
  /** `[Type] message (Error ID: id)`. */
  format(): string;
  toJSON(): { id: string | undefined; code: Code; type: Type; message: string; metadata: Record<string, unknown> | undefined };
}
type ApiErrorArgs = [message: string, error?: Error, id?: string, metadata?: Record<string, unknown>];
// @generated begin: one class per API error type of crates/botpress-chat/src/error.rs (`cargo run -p codegen`)
/** Unknown error */
export declare class UnknownError extends BaseApiError<500, 'Unknown' | 'Network' | 'Timeout' | 'Aborted' | 'Decode'> { constructor(...args: ApiErrorArgs) }
/** Server failure */
export declare class InternalError extends BaseApiError<500, 'Internal'> { constructor(...args: ApiErrorArgs) }
/** A valid user key is needed */
export declare class UnauthorizedError extends BaseApiError<401, 'Unauthorized'> { constructor(...args: ApiErrorArgs) }
/** Not allowed for this caller */
export declare class ForbiddenError extends BaseApiError<403, 'Forbidden'> { constructor(...args: ApiErrorArgs) }
/** Request body too large */
export declare class PayloadTooLargeError extends BaseApiError<413, 'PayloadTooLarge'> { constructor(...args: ApiErrorArgs) }
/** Invalid arguments or body */
export declare class InvalidPayloadError extends BaseApiError<400, 'InvalidPayload'> { constructor(...args: ApiErrorArgs) }
/** Unsupported content type */
export declare class UnsupportedMediaTypeError extends BaseApiError<415, 'UnsupportedMediaType'> { constructor(...args: ApiErrorArgs) }
/** No such method */
export declare class MethodNotFoundError extends BaseApiError<405, 'MethodNotFound'> { constructor(...args: ApiErrorArgs) }
/** No such resource */
export declare class ResourceNotFoundError extends BaseApiError<404, 'ResourceNotFound'> { constructor(...args: ApiErrorArgs) }
/** Invalid JSON schema */
export declare class InvalidJsonSchemaError extends BaseApiError<400, 'InvalidJsonSchema'> { constructor(...args: ApiErrorArgs) }
/** Data does not match its schema */
export declare class InvalidDataFormatError extends BaseApiError<400, 'InvalidDataFormat'> { constructor(...args: ApiErrorArgs) }
/** Invalid identifier */
export declare class InvalidIdentifierError extends BaseApiError<400, 'InvalidIdentifier'> { constructor(...args: ApiErrorArgs) }
/** The resources are not related */
export declare class RelationConflictError extends BaseApiError<409, 'RelationConflict'> { constructor(...args: ApiErrorArgs) }
/** Still referenced elsewhere */
export declare class ReferenceConstraintError extends BaseApiError<409, 'ReferenceConstraint'> { constructor(...args: ApiErrorArgs) }
/** The resource is locked */
export declare class ResourceLockedConflictError extends BaseApiError<409, 'ResourceLockedConflict'> { constructor(...args: ApiErrorArgs) }
/** No longer available */
export declare class ResourceGoneError extends BaseApiError<410, 'ResourceGone'> { constructor(...args: ApiErrorArgs) }
/** A referenced resource is missing */
export declare class ReferenceNotFoundError extends BaseApiError<400, 'ReferenceNotFound'> { constructor(...args: ApiErrorArgs) }
/** Invalid query */
export declare class InvalidQueryError extends BaseApiError<400, 'InvalidQuery'> { constructor(...args: ApiErrorArgs) }
/** The bot or integration failed */
export declare class RuntimeError extends BaseApiError<400, 'Runtime'> { constructor(...args: ApiErrorArgs) }
/** Already exists */
export declare class AlreadyExistsError extends BaseApiError<409, 'AlreadyExists'> { constructor(...args: ApiErrorArgs) }
/** Too many requests */
export declare class RateLimitedError extends BaseApiError<429, 'RateLimited'> { constructor(...args: ApiErrorArgs) }
/** Payment required */
export declare class PaymentRequiredError extends BaseApiError<402, 'PaymentRequired'> { constructor(...args: ApiErrorArgs) }
/** Quota exceeded */
export declare class QuotaExceededError extends BaseApiError<403, 'QuotaExceeded'> { constructor(...args: ApiErrorArgs) }
/** Hard limit exceeded */
export declare class LimitExceededError extends BaseApiError<413, 'LimitExceeded'> { constructor(...args: ApiErrorArgs) }
/** Breaking change without a new version */
export declare class BreakingChangesError extends BaseApiError<400, 'BreakingChanges'> { constructor(...args: ApiErrorArgs) }
/** The operation timed out */
export declare class OperationTimeoutError extends BaseApiError<504, 'OperationTimeout'> { constructor(...args: ApiErrorArgs) }
/** Any API error. */
export type ApiError = UnknownError | InternalError | UnauthorizedError | ForbiddenError | PayloadTooLargeError | InvalidPayloadError | UnsupportedMediaTypeError | MethodNotFoundError | ResourceNotFoundError | InvalidJsonSchemaError | InvalidDataFormatError | InvalidIdentifierError | RelationConflictError | ReferenceConstraintError | ResourceLockedConflictError | ResourceGoneError | ReferenceNotFoundError | InvalidQueryError | RuntimeError | AlreadyExistsError | RateLimitedError | PaymentRequiredError | QuotaExceededError | LimitExceededError | BreakingChangesError | OperationTimeoutError;
// @generated end
/** No answer: connection refused, DNS, CORS, reset. */
export declare class NetworkError extends UnknownError { readonly type: 'Network' }
/** No answer within the timeout. */
export declare class TimeoutError extends UnknownError { readonly type: 'Timeout' }
/** Cancelled by the caller's AbortSignal, or the listener stopped. */
export declare class AbortError extends UnknownError { readonly type: 'Aborted' }
/** An answer that is not the API's: not JSON, the wrong shape, too large. */
export declare class DecodeError extends UnknownError { readonly type: 'Decode' }

/** Failures of the client itself; `new ChatClientError(cause, message)` wraps a cause (`cause`). */
export declare class ChatClientError extends Error {
  constructor(error: Error, message: string);
  constructor(message: string);
  static wrap(thrown: unknown, message: string): ChatClientError;
  static map(thrown: unknown): ChatClientError;
}
/** An HTTP failure outside the API's error bodies (an error code inside a success answer). */
export declare class ChatHTTPError extends ChatClientError {
  readonly status: number | undefined;
  constructor(status: number | undefined, message: string);
}
/** Options or set-up the client cannot work with. */
export declare class ChatConfigError extends ChatClientError {
  readonly type: 'Config';
  readonly isApiError: false;
  constructor(message: string);
}

/** Whether `thrown` is an API error. */
export declare function isApiError(thrown: unknown): thrown is ApiError;
/** Turns anything thrown, or an API error body, into an API error instance. */
export declare function errorFrom(err: unknown): ApiError;

/* ---- Options ---- */

export type RetryOptions = {
  /** Retries of a GET answered 429/502/503/504 (default 3; 0 disables). */
  maxRetries?: number;
  /** First backoff delay without `Retry-After`, doubling each retry (default 300). */
  baseDelayMs?: number;
  /** Longest wait; a longer `Retry-After` ends the retries (default 10000). */
  maxDelayMs?: number;
};

interface CommonProps {
  /** Logs every request (operation, method, URL, status) with `console.info`. */
  debug?: boolean;
  /** Request timeout in milliseconds (default 60000). */
  timeout?: number;
  /** Extra headers sent with every API call. */
  headers?: Record<string, string>;
  retry?: RetryOptions;
  /** Largest accepted response body in bytes (default 1 MiB): refused unread when its
   *  Content-Length says more, otherwise counted as it arrives (and once decoded). */
  maxResponseBytes?: number;
}
export type Headers = Record<string, string>;
/** `apiUrl` wins when both are given. */
export type ClientProps = CommonProps & ({ apiUrl: string } | { webhookId: string; baseApiUrl?: string });
/** With `userKey`; else with `encryptionKey` + `userId` (signed here); else a new user (`userId` optional). */
export type ConnectProps = ClientProps & { encryptionKey?: string; userKey?: string; userId?: string };

/** Per-call options (second argument of every operation). */
export type CallOptions = {
  signal?: AbortSignal;
  /** Timeout for this call in milliseconds. */
  timeout?: number;
};

/* ---- Operations (the inputs, outputs and the `Operations` map are generated) ---- */

export type OperationName = keyof Operations;
/** The operations of an authenticated client (all but createUser and getOrCreateUser). */
export type AuthenticatedOperationName = Exclude<OperationName, 'createUser' | 'getOrCreateUser'>;
/** The key header every operation but createUser takes on `Client`. */
export type UserKeyHeader = { 'x-user-key': string };

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


export interface ChatClient extends AuthenticatedClientOperations {
  /** `list.conversations()`, `list.messages({conversationId})`, `list.participants({conversationId})`: every item across pages. */
  readonly list: ChatLists;
}
export interface Client extends ClientOperations {
  /** Every item across pages; each call's arguments carry `'x-user-key'`. */
  readonly list: ClientLists;
  listenConversation(input: ListenConversationInput & UserKeyHeader): Promise<SignalListener>;
}

/* ---- The type names of @botpress/chat ---- */

/** The connected client's class: `Client.connect` resolves to an instance. */
export { ChatClient as AuthenticatedClient };
/** Every operation of `Client`, `listenConversation` included. */
export type ClientOperation = OperationName | 'listenConversation';
export type AuthenticatedOperation = Exclude<ClientOperation, 'createUser' | 'getOrCreateUser'>;
/** The argument of each `Client` operation (key included). */
export type ClientRequests = {
  [K in ClientOperation]: K extends 'listenConversation'
    ? ListenConversationInput & UserKeyHeader
    : K extends 'createUser'
      ? Operations[K]['input']
      : Operations[K & OperationName]['input'] & UserKeyHeader;
};
/** The answer of each operation (`listenConversation` resolves to a SignalListener). */
export type ClientResponses = {
  [K in ClientOperation]: K extends OperationName ? Operations[K]['output'] : {};
};
/** The argument of each `AuthenticatedClient` operation (no key). */
export type AuthenticatedClientRequests = {
  [K in AuthenticatedOperation]: Omit<ClientRequests[K], 'x-user-key'>;
};
export type AuthenticatedUser = ConnectedUser;
