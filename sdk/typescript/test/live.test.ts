// The TypeScript SDK against a real `atom serve` on 127.0.0.1, started here through tests/sdk/live_server.py.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { AuthenticationError, Client, PermissionDeniedError, ServerError, ValidationError, keys } from "../src/index.js";
import { writePackage } from "./fixtures.js";
import { startLiveServer, type LiveServer } from "./live_server.js";

// build-test/test/live.test.js -> the repository root is four levels up.
const TENANT = "ten_ts_live";
const OTHER = "ten_ts_other";
const PUBLISHER = "pub_ts_live";
const START = new Date("2026-11-10T00:00:00Z");

let info: LiveServer;

before(async () => {
  info = await startLiveServer("live", ["--generate", "--tenant", TENANT, "--tenant", OTHER, "--publisher", PUBLISHER]);
});

after(() => {
  info?.process.kill("SIGTERM");
});

const as = (role: string, subject: string) => new Client({ apiKey: info.keys[`${role}:${subject}`], baseUrl: info.url });

test("an unknown key is refused with AuthenticationError and the API's reason", async () => {
  const client = new Client({ apiKey: "atom_not-a-key", baseUrl: info.url });
  await assert.rejects(client.usage.record({ tenant_id: TENANT, metric: "workflow_runs" }), (error: unknown) => {
    assert.ok(error instanceof AuthenticationError);
    assert.equal(error.reason, "unauthorized");
    return true;
  });
});

test("a tenant key reporting for another tenant is refused with PermissionDeniedError", async () => {
  await assert.rejects(as("tenant", TENANT).usage.record({ tenant_id: OTHER, metric: "workflow_runs" }), PermissionDeniedError);
});

test("a resent event counts once, thanks to its client-side id", async () => {
  const client = as("tenant", TENANT);
  const event = { id: "evt_ts_resent_once", tenant_id: TENANT, metric: "workflow_runs", timestamp: START };
  const first = await client.usage.record(event);
  const again = await client.usage.record(event);
  assert.deepEqual([first.accepted, first.duplicates, again.accepted, again.duplicates], [1, 0, 0, 1]);
});

test("the recorder delivers 20,000 events and reports rejected ones by id", async () => {
  const client = as("tenant", TENANT);
  let bad = "";
  const recorder = await client.usage.withRecorder({ batchSize: 1000, flushInterval: 1 }, async (rec) => {
    for (let i = 0; i < 20_000; i++) {
      await rec.record({ tenant_id: TENANT, metric: "workflow_runs", timestamp: new Date(START.getTime() + i * 10) });
    }
    bad = await rec.record({ tenant_id: TENANT, metric: "no_such_metric", timestamp: START });
    return rec;
  });
  assert.equal(recorder.stats.accepted, 20_000);
  assert.deepEqual(recorder.stats.rejected.map((r) => [r.eventId, r.reason]), [[bad, "unknown_metric"]]);
});

test("a package built from a directory and signed is published and its submission waits for a scan", async () => {
  const client = as("publisher", PUBLISHER);
  for (const kind of ["ecdsa-p256", "ed25519"] as const) {
    const { privatePem, publicPem } = keys.generate(kind);
    assert.equal(await client.publishers.registerKey(PUBLISHER, publicPem), keys.keyId(publicPem));
    const dir = writePackage(path.join(mkdtempSync(path.join(tmpdir(), "atom-ts-pkg-")), "pkg"), `ts-notify-${kind}`, "1.0.0", PUBLISHER);
    const wpk = client.packages.build(dir);
    const receipt = await client.packages.publish(wpk, client.packages.sign(wpk, privatePem));
    assert.equal(receipt.status, "pending_scan");
    assert.equal((await client.submissions.get(receipt.submission_id)).status, "pending_scan");
  }
});

test("a package naming another publisher is refused with the API's reason", async () => {
  const client = as("publisher", PUBLISHER);
  const { privatePem, publicPem } = keys.generate("ed25519");
  await client.publishers.registerKey(PUBLISHER, publicPem);
  const dir = writePackage(path.join(mkdtempSync(path.join(tmpdir(), "atom-ts-pkg-")), "pkg"), "ts-not-mine", "1.0.0", "pub_someone_else");
  const wpk = client.packages.build(dir);
  await assert.rejects(client.packages.publish(wpk, client.packages.sign(wpk, privatePem)), (error: unknown) => {
    assert.ok(error instanceof ValidationError || error instanceof PermissionDeniedError);
    assert.match(String(error), /pub_someone_else/);
    return true;
  });
});

test("usage reads before any build answer a typed 503 with the reason", async () => {
  const client = new Client({ apiKey: info.keys[`tenant:${TENANT}`], baseUrl: info.url, retry: { maxRetries: 0 } });
  await assert.rejects(client.usage.get(TENANT, "2026-11"), (error: unknown) => {
    assert.ok(error instanceof ServerError);
    assert.equal(error.reason, "no_snapshot");
    return true;
  });
});
