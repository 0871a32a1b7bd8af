// The TypeScript SDK's reviewer-side calls against a real `atom serve` (tests/sdk/live_server.py): a publisher
// reads a reviewer's question and why the package waits, answers it, and sees a scheduled rejection. The
// reviewer's steps are the review console's; tests/sdk/review_seed.py takes them on the server's home.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { Client, ConflictError, keys } from "../src/index.js";
import { writePackage } from "./fixtures.js";
import { startLiveServer, type LiveServer, runSeed } from "./live_server.js";

const PUBLISHER = "pub_ts_review";

let info: LiveServer;

function seed(...args: string[]): void {
  runSeed("review_seed.py", info.home, ...args);
}

async function publish(client: Client, name: string): Promise<string> {
  const pair = keys.generate();
  await client.publishers.registerKey(PUBLISHER, pair.publicPem);
  const root = writePackage(path.join(mkdtempSync(path.join(tmpdir(), "atom-ts-review-")), name), name, "1.0.0", PUBLISHER);
  const file = client.packages.build(root);
  return (await client.packages.publish(file, client.packages.sign(file, pair.privatePem))).submission_id;
}

before(async () => {
  info = await startLiveServer("review", ["--publisher", PUBLISHER]);
});

after(() => {
  info?.process.kill("SIGTERM");
});

test("a publisher reads the reviewer's question, answers it, and the submission returns to review", async () => {
  const client = new Client({ apiKey: info.keys[`publisher:${PUBLISHER}`], baseUrl: info.url });
  const submissionId = await publish(client, "ts-review-me");
  await assert.rejects(client.submissions.answer(submissionId, "nobody asked"), (error: unknown) => {
    assert.ok(error instanceof ConflictError);
    assert.equal(error.reason, "no_open_question");
    return true;
  });

  seed("ask", submissionId, "Which hosts does the step call?");
  const asked = await client.submissions.get(submissionId);
  assert.equal(asked.status, "info_requested");
  assert.equal(asked.info_requests?.[0]?.question, "Which hosts does the step call?");
  assert.equal(asked.info_requests?.[0]?.answer, null);
  assert.ok((asked.queue_reasons ?? []).length > 0, "the reasons it waits for a human are listed");

  const receipt = await client.submissions.answer(submissionId, "Only slack.com, as the manifest declares.");
  assert.equal(receipt.status, "in_review");
  assert.equal(receipt.info_request.answer, "Only slack.com, as the manifest declares.");
  const after = await client.submissions.get(submissionId);
  assert.equal(after.status, "in_review");
  assert.ok(after.queue_reasons?.some((r) => r.code === "info-answered"));
});

test("a scheduled rejection is visible to the publisher", async () => {
  const client = new Client({ apiKey: info.keys[`publisher:${PUBLISHER}`], baseUrl: info.url });
  const submissionId = await publish(client, "ts-review-doomed");
  seed("reject-later", submissionId, "7");
  const body = await client.submissions.get(submissionId);
  assert.equal(body.scheduled_rejection?.reason, "Obfuscated code");
  assert.match(body.scheduled_rejection?.effective_on ?? "", /^\d{4}-\d{2}-\d{2}$/);
});
