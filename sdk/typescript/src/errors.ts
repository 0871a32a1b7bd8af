/** Exceptions the SDK throws; every API error carries the status, the API's stable reason code and its detail. */

export class AtomError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ApiErrorInit {
  status: number;
  reason: string;
  detail: string;
  body: unknown;
  method?: string;
  url?: string;
  retryAfter?: number | undefined;
}

/** The API answered with an error status. `reason` is the stable code to branch on, `detail` says what to fix. */
export class ApiError extends AtomError {
  readonly status: number;
  readonly reason: string;
  readonly detail: string;
  readonly body: unknown;
  constructor(init: ApiErrorInit) {
    const text = init.detail && init.detail !== init.reason ? `${init.reason}: ${init.detail}` : init.reason;
    const where = init.method ? ` (${init.method} ${init.url ?? ""})` : "";
    super(`${init.status} ${text}${where}`);
    this.status = init.status;
    this.reason = init.reason;
    this.detail = init.detail || init.reason;
    this.body = init.body;
  }
}

/** 401: no API key, or one the API does not know. */
export class AuthenticationError extends ApiError {}
/** 403: the key acts outside its subject (another tenant or publisher). */
export class PermissionDeniedError extends ApiError {}
/** 404. */
export class NotFoundError extends ApiError {}
/** 409: e.g. a package version that is already published (versions are immutable). */
export class ConflictError extends ApiError {}
/** 413: the upload is over the API's size limit. */
export class PayloadTooLargeError extends ApiError {}
/** 422: understood but refused; `detail` says what to fix. */
export class ValidationError extends ApiError {}
/** 429 after every retry; `retryAfter` is the API's last Retry-After in seconds. */
export class RateLimitError extends ApiError {
  readonly retryAfter: number | undefined;
  constructor(init: ApiErrorInit) {
    super(init);
    this.retryAfter = init.retryAfter;
  }
}
/** 5xx after every retry. */
export class ServerError extends ApiError {}

/** The API could not be reached (refused, reset, timed out) after every retry. */
export class ApiConnectionError extends AtomError {}

/** A package directory or archive cannot be built, signed or published; `errors` lists every problem. */
export class PackageError extends AtomError {
  readonly errors: string[];
  constructor(message: string, errors?: string[]) {
    super(errors && errors.length ? `${message}:\n  - ${errors.join("\n  - ")}` : message);
    this.errors = errors && errors.length ? errors : [message];
  }
}

/** A downloaded package whose X-Atom-Signature does not verify against any trusted key of its publisher; no bytes are returned. */
export class SignatureVerificationError extends AtomError {}

/** A batch of the usage recorder was not delivered; its events are in `recorder.failedBatches`. */
export class RecorderError extends AtomError {
  readonly failedEvents: number;
  constructor(message: string, failedEvents: number, cause?: unknown) {
    super(message, { cause });
    this.failedEvents = failedEvents;
  }
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        if (item && typeof item === "object") {
          const entry = item as { loc?: unknown[]; msg?: string; message?: string };
          const loc = (entry.loc ?? []).filter((p) => p !== "body").join(".");
          const msg = entry.msg ?? entry.message ?? JSON.stringify(item);
          return loc ? `${loc}: ${msg}` : msg;
        }
        return String(item);
      })
      .join("; ");
  }
  if (value === undefined || value === null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** `[reason, detail]` from `{"reason": code, "detail": text}`, tolerating bare `{"detail"}` and plain text. */
export function parseErrorBody(body: unknown, fallback: string): [string, string] {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    const detail = text(record.detail ?? record.message ?? record.error);
    if (typeof record.reason === "string" && record.reason) return [record.reason, detail];
    if (detail) return [detail, detail];
  }
  if (typeof body === "string" && body.trim()) {
    const t = body.trim().slice(0, 500);
    return [t, t];
  }
  return [fallback, fallback];
}

const BY_STATUS: Record<number, typeof ApiError> = {
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  413: PayloadTooLargeError,
  422: ValidationError,
};

export function errorFromResponse(
  status: number,
  statusText: string,
  body: unknown,
  method: string,
  url: string,
  retryAfter?: number,
): ApiError {
  const [reason, detail] = parseErrorBody(body, statusText || "error");
  const init: ApiErrorInit = { status, reason, detail, body, method, url, retryAfter };
  if (status === 429) return new RateLimitError(init);
  const Cls = BY_STATUS[status] ?? (status >= 500 ? ServerError : ApiError);
  return new Cls(init);
}
