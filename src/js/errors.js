// The package's error classes, with the names, fields and hierarchy of
// `@botpress/chat`: one class per API error type (all extending one base),
// ChatClientError and its two subclasses, and this package's client-side
// failures as subclasses of UnknownError. The wasm code builds its errors
// through `chatError` below; the build script re-exports every class.


const hex = (n) => n.toString(16).padStart(2, '0');

function randomBytes(n) {
  const out = new Uint8Array(n);
  const c = globalThis.crypto;
  if (c && c.getRandomValues) c.getRandomValues(out);
  else for (let i = 0; i < n; i++) out[i] = (Math.random() * 256) | 0;
  return out;
}

/** `err_` (or `err_bwsr_` in a browser page), the UTC time as 14 digits, `x`, 8 hex digits. */
function errorId() {
  const time = new Date().toISOString().replace(/[-:TZ]/g, '').split('.')[0];
  const prefix = typeof window !== 'undefined' && typeof window.document !== 'undefined' ? 'err_bwsr' : 'err';
  return `${prefix}_${time}x${Array.from(randomBytes(4), hex).join('').toUpperCase()}`;
}

class BaseApiError extends Error {
  constructor(code, description, type, message, error, id, metadata) {
    super(message);
    this.code = code;
    this.description = description;
    this.type = type;
    this.message = message;
    this.error = error;
    this.id = id || errorId();
    this.metadata = metadata;
    this.isApiError = true;
  }
  /** `[Type] message (Error ID: id)`. */
  format() {
    return `[${this.type}] ${this.message} (Error ID: ${this.id})`;
  }
  toJSON() {
    return { id: this.id, code: this.code, type: this.type, message: this.message, metadata: this.metadata };
  }
}

/** The class of each API error type, by type. */
const errorTypes = {};

function apiErrorClass(type, code, description) {
  const cls = class extends BaseApiError {
    constructor(message, error, id, metadata) {
      super(code, description, type, message, error, id, metadata);
    }
  };
  named(cls, `${type}Error`);
  errorTypes[type] = cls;
  return cls;
}

function named(cls, name) {
  Object.defineProperty(cls, 'name', { value: name });
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
}

// @generated begin: one class per API error type of crates/botpress-chat/src/error.rs (`cargo run -p codegen`)
export const UnknownError = apiErrorClass('Unknown', 500, 'Unknown error');
export const InternalError = apiErrorClass('Internal', 500, 'Server failure');
export const UnauthorizedError = apiErrorClass('Unauthorized', 401, 'A valid user key is needed');
export const ForbiddenError = apiErrorClass('Forbidden', 403, 'Not allowed for this caller');
export const PayloadTooLargeError = apiErrorClass('PayloadTooLarge', 413, 'Request body too large');
export const InvalidPayloadError = apiErrorClass('InvalidPayload', 400, 'Invalid arguments or body');
export const UnsupportedMediaTypeError = apiErrorClass('UnsupportedMediaType', 415, 'Unsupported content type');
export const MethodNotFoundError = apiErrorClass('MethodNotFound', 405, 'No such method');
export const ResourceNotFoundError = apiErrorClass('ResourceNotFound', 404, 'No such resource');
export const InvalidJsonSchemaError = apiErrorClass('InvalidJsonSchema', 400, 'Invalid JSON schema');
export const InvalidDataFormatError = apiErrorClass('InvalidDataFormat', 400, 'Data does not match its schema');
export const InvalidIdentifierError = apiErrorClass('InvalidIdentifier', 400, 'Invalid identifier');
export const RelationConflictError = apiErrorClass('RelationConflict', 409, 'The resources are not related');
export const ReferenceConstraintError = apiErrorClass('ReferenceConstraint', 409, 'Still referenced elsewhere');
export const ResourceLockedConflictError = apiErrorClass('ResourceLockedConflict', 409, 'The resource is locked');
export const ResourceGoneError = apiErrorClass('ResourceGone', 410, 'No longer available');
export const ReferenceNotFoundError = apiErrorClass('ReferenceNotFound', 400, 'A referenced resource is missing');
export const InvalidQueryError = apiErrorClass('InvalidQuery', 400, 'Invalid query');
export const RuntimeError = apiErrorClass('Runtime', 400, 'The bot or integration failed');
export const AlreadyExistsError = apiErrorClass('AlreadyExists', 409, 'Already exists');
export const RateLimitedError = apiErrorClass('RateLimited', 429, 'Too many requests');
export const PaymentRequiredError = apiErrorClass('PaymentRequired', 402, 'Payment required');
export const QuotaExceededError = apiErrorClass('QuotaExceeded', 403, 'Quota exceeded');
export const LimitExceededError = apiErrorClass('LimitExceeded', 413, 'Hard limit exceeded');
export const BreakingChangesError = apiErrorClass('BreakingChanges', 400, 'Breaking change without a new version');
export const OperationTimeoutError = apiErrorClass('OperationTimeout', 504, 'The operation timed out');
// @generated end

/** Client-side failures: UnknownError (as `@botpress/chat` reports them) with a more precise `type`. */
function clientFailure(type, name) {
  const cls = class extends UnknownError {
    constructor(message, error, id, metadata) {
      super(message, error, id, metadata);
      this.type = type;
    }
  };
  named(cls, name);
  return cls;
}
/** No answer: connection refused, DNS, CORS, reset. */
export const NetworkError = clientFailure('Network', 'NetworkError');
/** No answer within the timeout. */
export const TimeoutError = clientFailure('Timeout', 'TimeoutError');
/** Cancelled by the caller's AbortSignal, or the listener stopped. */
export const AbortError = clientFailure('Aborted', 'AbortError');
/** An answer that is not the API's: not JSON, the wrong shape, too large. */
export const DecodeError = clientFailure('Decode', 'DecodeError');

const isObject = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Whether `thrown` is an API error (of this package or any object marked `isApiError: true`). */
export const isApiError = (thrown) => thrown instanceof BaseApiError || (isObject(thrown) && thrown.isApiError === true);

/** Turns anything thrown, or an API error body, into an API error instance. */
export function errorFrom(err) {
  if (isApiError(err)) return err;
  if (err instanceof Error) return new UnknownError(err.message, err);
  if (typeof err === 'string') return new UnknownError(err);
  if (isObject(err) && 'code' in err && 'type' in err && 'id' in err && 'message' in err
    && typeof err.type === 'string' && typeof err.message === 'string') {
    const cls = errorTypes[err.type];
    if (!cls) {
      return new UnknownError(`An unclassified API error occurred: ${err.message} (Type: ${err.type}, Code: ${err.code})`);
    }
    return new cls(err.message, undefined, err.id || 'UNKNOWN', err.metadata);
  }
  let text;
  try {
    text = JSON.stringify(err);
  } catch {
    text = String(err);
  }
  return new UnknownError(`An invalid error occurred: ${text}`);
}

/** Failures of the client itself; `new ChatClientError(cause, message)` wraps a cause (`cause`). */
export class ChatClientError extends Error {
  constructor(first, second) {
    if (typeof first === 'string' || first === undefined) {
      super(first);
    } else {
      const inner = first && first.message !== undefined ? String(first.message) : String(first);
      super(second ? `${second}: ${inner}` : inner, { cause: first });
    }
  }
  static wrap(thrown, message) {
    return new ChatClientError(ChatClientError.map(thrown), message ?? '');
  }
  static map(thrown) {
    if (thrown instanceof ChatClientError) return thrown;
    return new ChatClientError(thrown instanceof Error ? thrown.message : String(thrown));
  }
}
named(ChatClientError, 'ChatClientError');

/** An HTTP failure outside the API's error bodies; `status` is the code it carried. */
export class ChatHTTPError extends ChatClientError {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}
named(ChatHTTPError, 'ChatHTTPError');

/** Options or set-up the client cannot work with. */
export class ChatConfigError extends ChatClientError {
  constructor(message) {
    super(message);
  }
}
named(ChatConfigError, 'ChatConfigError');

const byKind = { Network: NetworkError, Timeout: TimeoutError, Aborted: AbortError, Decode: DecodeError };

/**
 * Builds the error for one failure of the wasm client (not part of the public API).
 * `kind`: an API error type, `Network`, `Timeout`, `Aborted`, `Decode`, `Config`, `Http`
 * (an error code inside a success answer) or `Connect` (the connection test failed).
 * `status`: the HTTP status, 0 when there was none.
 */
export function chatError(kind, status, message, id, metadata) {
  const api = errorTypes[kind];
  let e;
  if (api) {
    e = new api(message, undefined, id, metadata);
    if (status) e.status = status;
  } else if (byKind[kind]) {
    e = new byKind[kind](message);
  } else if (kind === 'Http') {
    e = new ChatHTTPError(status, message);
  } else if (kind === 'Connect') {
    e = new ChatClientError(message);
  } else {
    e = Object.assign(new ChatConfigError(message), { type: 'Config' });
  }
  if (!api && !byKind[kind]) e.isApiError = false;
  return e;
}
