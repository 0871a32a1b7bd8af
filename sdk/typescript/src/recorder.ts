/**
 * The batching usage recorder: `record()` queues, batches go out in the background.
 *
 * - A batch leaves at `batchSize` events, after `flushInterval` seconds without a send, on `flush()` and on `close()`.
 * - Backpressure: with `maxPendingBatches` batches waiting, `await record()` waits for room.
 * - Errors surface: a batch that fails after the client's retries goes to `failedBatches` (same ids: safe to
 *   send again) and the next `record()`, `flush()` or `close()` throws RecorderError.
 * - Events the API rejects one by one (quarantined) are in `stats.rejected`, with their ids.
 */
import { AtomError, RecorderError } from "./errors.js";
import { MAX_EVENTS_PER_REQUEST, makeEvent } from "./events.js";
import type { UsageEvent, UsageReceipt, WireEvent } from "./models.js";

export interface RecorderOptions {
  batchSize?: number;
  /** Seconds. */
  flushInterval?: number;
  maxPendingBatches?: number;
  /** Batches in flight at once. */
  concurrency?: number;
}

export interface RejectedEvent {
  eventId: string;
  reason: string;
  detail?: string | undefined;
}

export interface RecorderStats {
  batches: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: RejectedEvent[];
  failed: number;
  /** Seconds per delivered batch, request and retries included. */
  batchSeconds: number[];
}

export class UsageRecorder {
  readonly batchSize: number;
  readonly flushInterval: number;
  readonly stats: RecorderStats = { batches: 0, sent: 0, accepted: 0, duplicates: 0, rejected: [], failed: 0, batchSeconds: [] };
  readonly failedBatches: WireEvent[][] = [];
  private buffer: WireEvent[] = [];
  private readonly waiting: WireEvent[][] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly maxPending: number;
  private readonly concurrency: number;
  private error: RecorderError | undefined;
  private lastSend = Date.now();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  private roomWaiters: Array<() => void> = [];

  constructor(
    private readonly send: (batch: WireEvent[]) => Promise<UsageReceipt>,
    options: RecorderOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.flushInterval = options.flushInterval ?? 1.0;
    this.maxPending = options.maxPendingBatches ?? 8;
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    if (!(this.batchSize >= 1 && this.batchSize <= MAX_EVENTS_PER_REQUEST)) {
      throw new RangeError(`batchSize must be 1..${MAX_EVENTS_PER_REQUEST} (the API's limit), got ${this.batchSize}`);
    }
    if (!(this.flushInterval > 0)) throw new RangeError(`flushInterval must be > 0 seconds, got ${this.flushInterval}`);
    const tick = Math.max(10, Math.min(1000, this.flushInterval * 250));
    this.timer = setInterval(() => this.onTick(), tick);
    this.timer.unref(); // a forgotten recorder must not keep the process alive
  }

  /** Queue one event; resolves to its id (at once, unless too many batches are waiting). */
  async record(event: UsageEvent): Promise<string> {
    if (this.closed) throw new RecorderError("the recorder is closed; record before close()", 0);
    this.throwIfFailed();
    const wire = makeEvent(event);
    this.buffer.push(wire);
    if (this.buffer.length >= this.batchSize) {
      const batch = this.buffer;
      this.buffer = [];
      await this.enqueue(batch);
    }
    return wire.id;
  }

  /** Send everything recorded so far and wait for the answers. */
  async flush(): Promise<void> {
    this.throwIfFailed();
    await this.drain();
    this.throwIfFailed();
  }

  /** Flush, stop the timer and throw if any batch failed. Call it in `finally`, or use `withRecorder`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.drain();
    this.throwIfFailed();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async drain(): Promise<void> {
    if (this.buffer.length) {
      const batch = this.buffer;
      this.buffer = [];
      this.waiting.push(batch);
    }
    this.pump();
    while (this.inFlight.size || this.waiting.length) {
      await Promise.race(this.inFlight);
      this.pump();
    }
  }

  private async enqueue(batch: WireEvent[]): Promise<void> {
    while (this.waiting.length >= this.maxPending) {
      this.pump();
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    this.waiting.push(batch);
    this.pump();
  }

  private onTick(): void {
    if (this.buffer.length && Date.now() - this.lastSend >= this.flushInterval * 1000) {
      const batch = this.buffer;
      this.buffer = [];
      this.waiting.push(batch);
      this.pump();
    }
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.waiting.length) {
      const batch = this.waiting.shift() as WireEvent[];
      const delivery = this.deliver(batch).finally(() => {
        this.inFlight.delete(delivery);
        const waiters = this.roomWaiters;
        this.roomWaiters = [];
        for (const wake of waiters) wake();
        this.pump();
      });
      this.inFlight.add(delivery);
    }
  }

  private async deliver(batch: WireEvent[]): Promise<void> {
    const started = performance.now();
    try {
      const receipt = await this.send(batch);
      this.stats.batches += 1;
      this.stats.sent += batch.length;
      this.stats.accepted += receipt.accepted;
      this.stats.duplicates += receipt.duplicates;
      for (const error of receipt.errors ?? []) {
        const event = batch[error.index];
        this.stats.rejected.push({ eventId: event ? event.id : "", reason: error.reason, detail: error.detail });
      }
      this.stats.batchSeconds.push((performance.now() - started) / 1000);
    } catch (error) {
      if (!(error instanceof AtomError)) throw error;
      this.failedBatches.push(batch);
      this.stats.failed += batch.length;
      this.error = new RecorderError(
        `a batch of ${batch.length} events was not delivered: ${error.message}; the events are in ` +
          "recorder.failedBatches and can be sent again safely (same ids)",
        this.stats.failed,
        error,
      );
    } finally {
      this.lastSend = Date.now();
    }
  }

  private throwIfFailed(): void {
    if (this.error) {
      const error = this.error;
      this.error = undefined;
      throw error;
    }
  }
}
