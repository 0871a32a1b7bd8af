// The SDK's own logic with a scripted fetch: retries, backoff, Retry-After, errors, recorder, TOML, zip.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { inflateRawSync } from "node:zlib";
import { createPublicKey, verify } from "node:crypto";

import {
  ApiConnectionError,
  AuthenticationError,
  Client,
  DEFAULT_RETRY,
  PackageError,
  PermissionDeniedError,
  RateLimitError,
  RecorderError,
  ServerError,
  backoff,
  buildPackage,
  keys,
  newEventId,
  parseRetryAfter,
  ulidTimestampMs,
  validateManifest,
} from "../src/index.js";
import { parseToml } from "../src/toml.js";
import { writePackage } from "./fixtures.js";

type Answer = Response | Error;
const RECEIPT = { accepted: 1, duplicates: 0, rejected: 0, errors: [] };
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function scripted(...answers: Answer[]) {
  const seen: Array<{ url: string; init: RequestInit }> = [];
  const sleeps: number[] = [];
  const fetchImpl = (async (url: string, init: RequestInit) => {
    seen.push({ url, init });
    const answer = answers.shift();
    if (answer === undefined) throw new Error("no scripted answer left");
    if (answer instanceof Error) throw answer;
    return answer;
  }) as unknown as typeof fetch;
  const client = (retry = {}) =>
    new Client({
      apiKey: "k_test",
      baseUrl: "http://api.test",
      fetch: fetchImpl,
      retry,
      sleep: async (s) => void sleeps.push(s),
    });
  return { seen, sleeps, client };
}

test("a 503 then success is retried and the retry carries the same event id", async () => {
  const { seen, sleeps, client } = scripted(json(503, {}), json(202, RECEIPT));
  const receipt = await client().usage.record({ tenant_id: "ten_acme", metric: "workflow_runs" });
  assert.equal(receipt.accepted, 1);
  assert.equal(seen.length, 2);
  assert.equal(sleeps.length, 1);
  assert.equal(seen[0]?.init.body, seen[1]?.init.body);
  assert.equal((seen[0]?.init.headers as Record<string, string>).Authorization, "Bearer k_test");
});

test("connection errors are retried, then thrown as ApiConnectionError", async () => {
  const { seen, sleeps, client } = scripted(...Array.from({ length: 4 }, () => new TypeError("fetch failed")));
  await assert.rejects(client({ maxRetries: 3 }).usage.record({ tenant_id: "t", metric: "m" }), ApiConnectionError);
  assert.equal(seen.length, 4);
  assert.equal(sleeps.length, 3);
});

test("backoff is full jitter under an exponential ceiling", () => {
  const policy = { ...DEFAULT_RETRY, baseDelay: 0.1, maxDelay: 1 };
  for (const [n, ceiling] of [[0, 0.1], [1, 0.2], [3, 0.8], [9, 1]] as const) {
    assert.equal(backoff(policy, n, () => 0), 0);
    assert.ok(Math.abs(backoff(policy, n, () => 0.999999) - ceiling) < 1e-5);
  }
});

test("a 429 waits at least Retry-After; one beyond the bound throws RateLimitError at once", async () => {
  const first = scripted(json(429, { reason: "rate_limited", detail: "slow" }, { "retry-after": "2" }), json(202, RECEIPT));
  await first.client().usage.record({ tenant_id: "t", metric: "m" });
  assert.ok((first.sleeps[0] as number) >= 2 && (first.sleeps[0] as number) <= 2.1);

  const second = scripted(json(429, { reason: "rate_limited", detail: "quota" }, { "retry-after": "3600" }));
  await assert.rejects(second.client().usage.record({ tenant_id: "t", metric: "m" }), (error: unknown) => {
    assert.ok(error instanceof RateLimitError);
    assert.equal(error.retryAfter, 3600);
    assert.equal(error.reason, "rate_limited");
    return true;
  });
  assert.equal(second.sleeps.length, 0);
  assert.equal(parseRetryAfter(new Date(Date.now() + 30_000).toUTCString())! > 28, true);
});

test("client errors are not retried and carry the API's reason and detail", async () => {
  const cases: Array<[number, unknown, Function, string, string]> = [
    [401, { reason: "unauthorized", detail: "no key" }, AuthenticationError, "unauthorized", "no key"],
    [403, { reason: "forbidden", detail: "not yours" }, PermissionDeniedError, "forbidden", "not yours"],
    [422, { reason: "invalid_request", detail: [{ loc: ["body", "events"], msg: "too many" }] }, Error, "invalid_request", "events: too many"],
  ];
  for (const [status, body, cls, reason, detail] of cases) {
    const { seen, client } = scripted(json(status, body));
    await assert.rejects(client().usage.record({ tenant_id: "t", metric: "m" }), (error: unknown) => {
      assert.ok(error instanceof cls);
      const e = error as { status: number; reason: string; detail: string };
      assert.equal(e.status, status);
      assert.equal(e.reason, reason);
      assert.equal(e.detail, detail);
      return true;
    });
    assert.equal(seen.length, 1);
  }
});

test("retries are bounded and the last 5xx is thrown", async () => {
  const { seen, client } = scripted(json(500, { detail: "boom" }), json(500, { detail: "boom" }), json(500, { detail: "boom" }));
  await assert.rejects(client({ maxRetries: 2 }).usage.record({ tenant_id: "t", metric: "m" }), ServerError);
  assert.equal(seen.length, 3);
});

test("path ids cannot escape their segment", async () => {
  const { seen, client } = scripted(json(200, { tenant_id: "x", period: "2026-10", metrics: [] }));
  await client().usage.get("../publishers/p", "2026-10");
  assert.ok(seen[0]?.url.startsWith("http://api.test/v1/tenants/..%2Fpublishers%2Fp/usage?period=2026-10"));
});

test("the recorder sends full batches, the rest on close, and maps rejections to ids", async () => {
  const batches: any[][] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const events = JSON.parse(String(init.body));
    batches.push(events);
    const errors = events.length === 50 ? [{ index: 1, reason: "unknown_metric", detail: "x" }] : [];
    return json(202, { accepted: events.length - errors.length, duplicates: 0, rejected: errors.length, errors });
  }) as unknown as typeof fetch;
  const client = new Client({ baseUrl: "http://api.test", fetch: fetchImpl });
  const recorder = client.usage.recorder({ batchSize: 100, flushInterval: 30 });
  const ids: string[] = [];
  for (let i = 0; i < 250; i++) ids.push(await recorder.record({ tenant_id: "ten_acme", metric: "workflow_runs", quantity: "0.5" }));
  await recorder.close();
  assert.deepEqual(batches.map((b) => b.length), [100, 100, 50]);
  assert.deepEqual(batches.flat().map((e) => e.id), ids);
  assert.equal(batches[0]?.[0].quantity, "0.5");
  assert.deepEqual(recorder.stats.rejected.map((r) => [r.eventId, r.reason]), [[ids[201], "unknown_metric"]]);
  assert.equal(recorder.stats.accepted, 249);
});

test("a partial batch leaves after the flush interval", async () => {
  const batches: any[][] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    batches.push(JSON.parse(String(init.body)));
    return json(202, RECEIPT);
  }) as unknown as typeof fetch;
  const recorder = new Client({ baseUrl: "http://api.test", fetch: fetchImpl }).usage.recorder({ flushInterval: 0.05 });
  await recorder.record({ tenant_id: "t", metric: "m" });
  for (let i = 0; i < 100 && !batches.length; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(batches.length, 1);
  await recorder.close();
});

test("a refused batch surfaces from close() and keeps its events", async () => {
  const { client } = scripted(json(403, { reason: "forbidden", detail: "tenant ten_x is not yours" }));
  const recorder = client().usage.recorder({ batchSize: 10 });
  await recorder.record({ tenant_id: "ten_x", metric: "m" });
  await assert.rejects(recorder.close(), (error: unknown) => {
    assert.ok(error instanceof RecorderError);
    assert.match(error.message, /not yours/);
    return true;
  });
  assert.equal(recorder.failedBatches[0]?.length, 1);
});

test("negative and non-decimal quantities are refused before they are queued", () => {
  const client = new Client({ baseUrl: "http://api.test" });
  const recorder = client.usage.recorder();
  assert.rejects(recorder.record({ tenant_id: "t", metric: "m", quantity: -1 }), RangeError);
  assert.rejects(recorder.record({ tenant_id: "t", metric: "m", quantity: "1,5" }), TypeError);
  return recorder.close();
});

test("event ids are unique, time-ordered ULIDs", () => {
  const ids = Array.from({ length: 5000 }, newEventId);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(ids.every((id) => /^evt_[0-9A-HJKMNP-TV-Z]{26}$/.test(id)));
  assert.ok(Math.abs(ulidTimestampMs(ids[0] as string) - Date.now()) < 5000);
});

test("the TOML reader reads what manifests use", () => {
  const doc = parseToml(`# c\n[package]\nname = "a-b" # trailing\n'quoted key' = 'lit'\ndescription = """\nmulti\nline"""\n[permissions]\nnetwork = [\n  "slack.com", # one\n  "*.x.io",\n]\nsubprocess = false\n[budget]\nmax_runtime_s = 1_000\nratio = 0.5\ninline = { a = 1, b = "two" }\n[a.b]\nc = true\n`);
  assert.deepEqual(doc, {
    package: { name: "a-b", "quoted key": "lit", description: "multi\nline" },
    permissions: { network: ["slack.com", "*.x.io"], subprocess: false },
    budget: { max_runtime_s: 1000, ratio: 0.5, inline: { a: 1, b: "two" } },
    a: { b: { c: true } },
  });
  assert.throws(() => parseToml("[package]\nname = \"open\n"), /not closed/);
  assert.throws(() => parseToml("a = 1\na = 2\n"), /defined twice/);
});

test("an invalid manifest is refused with every problem listed", () => {
  const { errors } = validateManifest('[package]\nname = "Bad_Name"\nversion = "1.2"\n[data]\npii_fields = "email"\n');
  const text = errors.join("\n");
  assert.match(text, /package.name 'Bad_Name'/);
  assert.match(text, /package.version '1.2' must be a semantic version/);
  assert.match(text, /package.publisher is missing/);
  assert.match(text, /data.pii_fields must be a list of strings/);
});

function unzip(data: Buffer): Map<string, { body: Buffer; mode: number; date: number }> {
  const entries = new Map<string, { body: Buffer; mode: number; date: number }>();
  const end = data.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = data.readUInt32LE(end + 16);
  for (let i = 0; i < data.readUInt16LE(end + 10); i++) {
    const nameLength = data.readUInt16LE(at + 28);
    const name = data.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const local = data.readUInt32LE(at + 42);
    const size = data.readUInt32LE(at + 20);
    const start = local + 30 + data.readUInt16LE(local + 26) + data.readUInt16LE(local + 28);
    entries.set(name, {
      body: inflateRawSync(data.subarray(start, start + size)),
      mode: data.readUInt32LE(at + 38) >>> 16,
      date: data.readUInt16LE(at + 14),
    });
    at += 46 + nameLength + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
  }
  return entries;
}

test("two builds are byte-identical, sorted, with fixed times and modes, without caches or dist/", () => {
  const root = mkdtempSync(path.join(tmpdir(), "atom-ts-"));
  const dir = writePackage(path.join(root, "pkg"));
  mkdirSync(path.join(dir, "steps", "__pycache__"));
  writeFileSync(path.join(dir, "steps", "__pycache__", "post.pyc"), "x");
  const first = readFileSync(buildPackage(dir));
  const again = buildPackage(dir); // dist/ now exists and must be skipped
  assert.equal(again, path.join(dir, "dist", "slack-notify-1.2.0.wpk"));
  const second = readFileSync(again);
  assert.ok(first.equals(second));
  const entries = unzip(second);
  assert.deepEqual([...entries.keys()], ["steps/post.py", "workflow.yaml", "wpk.toml"]);
  assert.ok([...entries.values()].every((e) => e.mode === 0o100644 && e.date === 33));
  assert.equal(entries.get("wpk.toml")?.body.toString(), readFileSync(path.join(dir, "wpk.toml"), "utf8"));
  // Python's zipfile (what the API reads with) agrees.
  if (process.env.ATOM_PYTHON) {
    const names = execFileSync(process.env.ATOM_PYTHON, ["-c", "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).testzip())", again]);
    assert.equal(names.toString().trim(), "None");
  }
});

test("symbolic links are refused, as the API refuses them", () => {
  const root = mkdtempSync(path.join(tmpdir(), "atom-ts-"));
  const dir = writePackage(path.join(root, "pkg"));
  symlinkSync("/etc/passwd", path.join(dir, "steps", "passwd"));
  assert.throws(() => buildPackage(dir), (e: unknown) => e instanceof PackageError && /steps\/passwd is a symbolic link/.test(e.message));
});

test("signatures verify with node's crypto in both DESIGN 3.5 formats", () => {
  const root = mkdtempSync(path.join(tmpdir(), "atom-ts-"));
  const file = buildPackage(writePackage(path.join(root, "pkg")));
  const data = readFileSync(file);
  const ec = keys.generate("ecdsa-p256");
  const client = new Client({ baseUrl: "http://unused" });
  const ecSignature = Buffer.from(client.packages.sign(file, ec.privatePem), "base64");
  assert.equal(ecSignature[0], 0x30); // DER SEQUENCE
  assert.ok(verify("sha256", data, { key: createPublicKey(ec.publicPem), dsaEncoding: "der" }, ecSignature));
  const ed = keys.generate("ed25519");
  const edSignature = Buffer.from(client.packages.sign(file, ed.privatePem), "base64");
  assert.equal(edSignature.length, 64);
  assert.ok(verify(null, data, createPublicKey(ed.publicPem), edSignature));
  assert.match(keys.keyId(ec.publicPem), /^[0-9a-f]{64}$/);
  assert.throws(() => client.packages.sign(file, "not a key"), PackageError);
});
