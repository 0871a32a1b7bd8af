/** TypeScript SDK of the ATOM Marketplace intake API (DESIGN 3.8). */
export { Client, type ClientOptions } from "./client.js";
export * from "./errors.js";
export { newEventId, ulidTimestampMs } from "./ids.js";
export * as keys from "./keys.js";
export type { KeyKind, KeyPair } from "./keys.js";
export { validateManifest, type Manifest } from "./manifest.js";
export type * from "./models.js";
export { buildPackage, signPackage } from "./packaging.js";
export { UsageRecorder, type RecorderOptions, type RecorderStats, type RejectedEvent } from "./recorder.js";
export { DEFAULT_RETRY, backoff, parseRetryAfter, type RetryPolicy } from "./retry.js";
export { VERSION } from "./http.js";
