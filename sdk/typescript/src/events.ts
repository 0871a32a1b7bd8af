/** Turning arguments into the wire form of a usage event; ids are made here, once, before any send. */
import { newEventId } from "./ids.js";
import type { UsageEvent, WireEvent } from "./models.js";

export const MAX_EVENTS_PER_REQUEST = 10_000; // DESIGN 3.8

const DECIMAL = /^\d+(\.\d+)?([eE][+-]?\d+)?$/;

export function formatQuantity(value: string | number | bigint | undefined): string {
  if (value === undefined) return "1";
  const text = typeof value === "string" ? value.trim() : String(value);
  if (typeof value === "number" && !Number.isFinite(value)) throw new RangeError(`quantity must be finite, got ${value}`);
  if (text.startsWith("-")) throw new RangeError(`quantity must be >= 0, got ${text}`);
  if (!DECIMAL.test(text)) throw new TypeError(`quantity must be a decimal such as "1" or "0.25", got ${JSON.stringify(value)}`);
  return text;
}

export function formatTimestamp(value: string | Date | undefined): string {
  if (value === undefined) return new Date().toISOString();
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError("timestamp is an invalid Date");
    return value.toISOString();
  }
  return value; // RFC 3339 text; the API validates it
}

export function makeEvent(event: UsageEvent): WireEvent {
  if (typeof event.tenant_id !== "string" || !event.tenant_id) {
    throw new TypeError("tenant_id must be a non-empty string such as 'ten_acme'");
  }
  if (typeof event.metric !== "string" || !event.metric) {
    throw new TypeError("metric must be a non-empty string such as 'workflow_runs'");
  }
  return {
    id: event.id || newEventId(),
    tenant_id: event.tenant_id,
    metric: event.metric,
    quantity: formatQuantity(event.quantity),
    timestamp: formatTimestamp(event.timestamp),
    package_id: event.package_id ?? null,
    properties: event.properties ?? {},
  };
}
