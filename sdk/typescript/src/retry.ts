/**
 * When and how long to wait before retrying: exponential backoff with full jitter (a uniform random wait in
 * `[0, min(maxDelay, baseDelay * 2**n))`); a 429 waits at least the API's Retry-After.
 */

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. */
  maxRetries: number;
  /** Seconds. */
  baseDelay: number;
  /** Seconds. */
  maxDelay: number;
  /** A longer Retry-After is thrown as RateLimitError at once instead of blocking the caller. */
  maxRetryAfter: number;
  retryStatus: ReadonlySet<number>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 5,
  baseDelay: 0.1,
  maxDelay: 8,
  maxRetryAfter: 60,
  retryStatus: new Set([429, 500, 502, 503, 504]),
};

export function backoff(policy: RetryPolicy, retryNumber: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelay, policy.baseDelay * 2 ** retryNumber);
  return random() * ceiling;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, (when - now) / 1000);
}

/** Seconds to wait before retrying after a response, or undefined when it must not be retried. */
export function delayForStatus(
  policy: RetryPolicy,
  retryNumber: number,
  status: number,
  retryAfterHeader: string | null,
  random: () => number = Math.random,
): number | undefined {
  if (!policy.retryStatus.has(status) || retryNumber >= policy.maxRetries) return undefined;
  let delay = backoff(policy, retryNumber, random);
  if (status === 429) {
    const retryAfter = parseRetryAfter(retryAfterHeader);
    if (retryAfter !== undefined) {
      if (retryAfter > policy.maxRetryAfter) return undefined;
      delay += retryAfter;
    }
  }
  return delay;
}

export function delayForNetworkError(policy: RetryPolicy, retryNumber: number, random: () => number = Math.random): number | undefined {
  return retryNumber >= policy.maxRetries ? undefined : backoff(policy, retryNumber, random);
}
