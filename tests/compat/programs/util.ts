// Helpers shared by the compatibility programs. They do not import the client:
// each program imports it itself, as an application would.

export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (the compatibility runner sets it)`);
  return v;
}

/** The error classes of `@botpress/chat`, by export name. */
export const ERROR_CLASSES = [
  'UnknownError', 'InternalError', 'UnauthorizedError', 'ForbiddenError', 'PayloadTooLargeError',
  'InvalidPayloadError', 'UnsupportedMediaTypeError', 'MethodNotFoundError', 'ResourceNotFoundError',
  'InvalidJsonSchemaError', 'InvalidDataFormatError', 'InvalidIdentifierError', 'RelationConflictError',
  'ReferenceConstraintError', 'ResourceLockedConflictError', 'ResourceGoneError', 'ReferenceNotFoundError',
  'InvalidQueryError', 'RuntimeError', 'AlreadyExistsError', 'RateLimitedError', 'PaymentRequiredError',
  'QuotaExceededError', 'LimitExceededError', 'BreakingChangesError', 'OperationTimeoutError',
  'ChatClientError', 'ChatHTTPError', 'ChatConfigError',
] as const;

/** What a program reports about one failure: every official class it is an instance of, and its fields. */
export function describeError(err: unknown, mod: Record<string, unknown>) {
  const classes = ERROR_CLASSES.filter((name) => {
    const cls = mod[name];
    return typeof cls === 'function' && err instanceof (cls as new (...a: never[]) => unknown);
  });
  const e = err as Record<string, unknown>;
  const out: Record<string, unknown> = { classes, isError: err instanceof Error };
  if (classes.some((c) => !c.startsWith('Chat'))) {
    out.code = e.code;
    out.type = e.type;
    out.isApiError = e.isApiError;
    out.id = typeof e.id === 'string' && /^err(_bwsr)?_\d{14}x[0-9A-F]{8}$/.test(e.id) ? 'err_…' : e.id;
    out.description = typeof e.description;
    out.format = typeof e.format === 'function' ? (e.format as () => string)().replace(/\(Error ID: .*\)$/, '(Error ID: …)').startsWith(`[${e.type}]`) : false;
    out.toJSON = typeof e.toJSON === 'function' ? Object.keys((e.toJSON as () => object)()).sort() : null;
  }
  if (classes.includes('ChatHTTPError')) out.status = e.status;
  return out;
}

/** Runs `f` and describes how it failed (or `'resolved'`). */
export async function failure(f: () => Promise<unknown>, mod: Record<string, unknown>) {
  try {
    await f();
    return 'resolved';
  } catch (err) {
    return describeError(err, mod);
  }
}

/** The structure of a value: object keys (sorted) with the type of each leaf. */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, shape((v as Record<string, unknown>)[k])]));
  }
  return v === null ? 'null' : typeof v;
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
