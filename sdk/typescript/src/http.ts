/** The one place that sends requests: authentication, timeouts, retries and errors. */
import { ApiConnectionError, errorFromResponse } from "./errors.js";
import { DEFAULT_RETRY, type RetryPolicy, delayForNetworkError, delayForStatus, parseRetryAfter } from "./retry.js";

export const VERSION = "0.1.0";

export interface HttpOptions {
  apiKey?: string | undefined;
  baseUrl: string;
  /** Seconds per attempt. */
  timeout: number;
  retry: RetryPolicy;
  /** Replaceable for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Replaceable for tests; defaults to a timer. */
  sleep?: (seconds: number) => Promise<void>;
}

export interface RequestOptions {
  query?: Record<string, string>;
  json?: unknown;
  body?: string | Uint8Array | FormData;
  contentType?: string;
}

const defaultSleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

export class Http {
  readonly retry: RetryPolicy;
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (seconds: number) => Promise<void>;

  constructor(options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.timeoutMs = options.timeout * 1000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.headers = { "User-Agent": `atom-sdk-typescript/${VERSION}`, Accept: "application/json" };
    if (options.apiKey) this.headers.Authorization = `Bearer ${options.apiKey}`;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    let url = this.baseUrl + path;
    if (options.query) url += "?" + new URLSearchParams(options.query).toString();
    const headers: Record<string, string> = { ...this.headers };
    let body: string | Uint8Array | FormData | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    } else if (options.contentType) {
      headers["Content-Type"] = options.contentType;
    }
    for (let retryNumber = 0; ; retryNumber++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method,
          headers,
          body: body as RequestInit["body"],
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        const delay = delayForNetworkError(this.retry, retryNumber);
        if (delay === undefined) {
          throw new ApiConnectionError(
            `could not reach the ATOM API (${method} ${path}) after ${retryNumber + 1} attempt(s): ${String(error)}; ` +
              "check baseUrl and that `atom serve` is running",
            { cause: error },
          );
        }
        await this.sleep(delay);
        continue;
      }
      if (response.status < 400) return response;
      const retryAfterHeader = response.headers.get("retry-after");
      const delay = delayForStatus(this.retry, retryNumber, response.status, retryAfterHeader);
      if (delay === undefined) {
        const raw = await response.text();
        let parsed: unknown = raw;
        try {
          parsed = JSON.parse(raw);
        } catch {
          // not JSON: keep the text
        }
        throw errorFromResponse(response.status, response.statusText, parsed, method, url, parseRetryAfter(retryAfterHeader));
      }
      await response.body?.cancel();
      await this.sleep(delay);
    }
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    return (await response.json()) as T;
  }
}
