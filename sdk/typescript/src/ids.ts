/**
 * Client-side event ids: `evt_` + a ULID (48-bit millisecond time, 80 random bits, Crockford base32), so a
 * retried batch carries the same ids and the API counts each event once (DESIGN 3.1). Ids sort by creation time.
 */
import { randomBytes } from "node:crypto";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function newUlid(nowMs: number = Date.now()): string {
  let value = (BigInt(Math.floor(nowMs)) & ((1n << 48n) - 1n)) << 80n;
  value |= BigInt("0x" + randomBytes(10).toString("hex"));
  let out = "";
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export function newEventId(): string {
  return "evt_" + newUlid();
}

/** The creation time in milliseconds encoded in an id made by `newEventId`. */
export function ulidTimestampMs(eventId: string): number {
  const ulid = eventId.startsWith("evt_") ? eventId.slice(4) : eventId;
  let value = 0;
  for (const char of ulid.slice(0, 10)) value = value * 32 + CROCKFORD.indexOf(char);
  return value;
}
