// The TypeScript SDK's admin calls (DESIGN 3.8, issue 15 item 11) against a real `atom serve`
// (tests/sdk/live_server.py): publish price-book versions and read them back, put tenants on plans, end them, change a
// tenant's lifecycle state; and the refusals, as the SDK's typed errors with the API's reason.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";

import { Client, NotFoundError, PermissionDeniedError, ValidationError } from "../src/index.js";
import { startLiveServer, type LiveServer } from "./live_server.js";


// Months well after the server's real today: nothing is closed, so every call is accepted.
const FIRST_MONTH = "2031-01";
const BOOK = `currency: usd
metrics:
  workflow_runs: {aggregation: count}
  storage_gb: {aggregation: weighted_sum}
prices:
  - {id: price_runs, metric: workflow_runs, billing_scheme: per_unit, unit_amount: "0.50"}
  - {id: price_storage, metric: storage_gb, billing_scheme: per_unit, unit_amount: "0.10"}
plans:
  - {id: team, amount: "49"}
  - {id: business, amount: "499"}
`;

let info: LiveServer;
let admin: Client;

before(async () => {
  info = await startLiveServer("admin", ["--tenant", "ten_acme", "--tenant", "ten_beta"]);
  admin = new Client({ apiKey: info.admin_key, baseUrl: info.url });
});

after(() => {
  info?.process.kill("SIGTERM");
});

test("an admin publishes a price-book version and reads it back; mistakes are refused with every problem", async () => {
  const version = await admin.priceBook.publish(BOOK, FIRST_MONTH);
  assert.equal(version.effective_from, FIRST_MONTH);
  assert.equal(version.sha256, createHash("sha256").update(BOOK).digest("hex"));
  assert.deepEqual(version.plans, ["team", "business"]);

  const inForce = await admin.priceBook.get("2031-04");
  assert.deepEqual([inForce.effective_from, inForce.period, inForce.currency, inForce.yaml], [FIRST_MONTH, "2031-04", "usd", BOOK]);
  await assert.rejects(admin.priceBook.get("2030-12"), (error: unknown) => {
    assert.ok(error instanceof NotFoundError);
    assert.equal(error.reason, "no_price_book");
    return true;
  });

  const broken = BOOK.replace('unit_amount: "0.50"', 'unit_amount: "-1"').replace("weighted_sum", "median");
  await assert.rejects(admin.priceBook.publish(broken, "2031-02"), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.reason, "invalid_price_book");
    assert.match(error.detail, /unit_amount must not be negative, got -1/);
    assert.match(error.detail, /'latest' or 'weighted_sum'/);
    return true;
  });
  const tenant = new Client({ apiKey: info.keys["tenant:ten_acme"], baseUrl: info.url });
  await assert.rejects(tenant.priceBook.publish(BOOK, "2031-03"), PermissionDeniedError);

  const replaced = await admin.priceBook.publish(BOOK.replace('"49"', '"59"'), "2031-06");
  assert.deepEqual((await admin.priceBook.versions()).map((v) => v.effective_from), [FIRST_MONTH, "2031-06"]);
  assert.equal((await admin.priceBook.get("2031-07")).sha256, replaced.sha256);
});

test("an admin changes a tenant's plan mid-month, ends it, and changes its lifecycle state", async () => {
  await admin.priceBook.publish(BOOK, FIRST_MONTH); // idempotent: the same month again replaces it
  let plan = await admin.tenants.setSubscription("ten_acme", "team", "2031-01-10");
  assert.deepEqual(plan.subscriptions.map((s) => [s.plan_id, s.started_on, s.ended_on]), [["team", "2031-01-10", null]]);
  plan = await admin.tenants.setSubscription("ten_acme", "business", "2031-02-15");
  assert.deepEqual(
    plan.subscriptions.map((s) => [s.plan_id, s.started_on, s.ended_on]),
    [
      ["team", "2031-01-10", "2031-02-15"],
      ["business", "2031-02-15", null],
    ],
  );
  plan = await admin.tenants.endSubscription("ten_acme", "2031-03-01");
  assert.deepEqual(plan.subscriptions.map((s) => [s.plan_id, s.ended_on]), [
    ["team", "2031-02-15"],
    ["business", "2031-03-01"],
  ]);
  assert.deepEqual(await admin.tenants.subscription("ten_acme"), plan);
  await assert.rejects(admin.tenants.setSubscription("ten_beta", "enterprise", "2031-01-01"), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.reason, "unknown_plan");
    return true;
  });

  await admin.tenants.setSubscription("ten_beta", "team", "2031-01-01");
  const suspended = await admin.tenants.setStatus("ten_beta", "suspended");
  assert.equal(suspended.status, "suspended");
  assert.deepEqual(suspended.subscriptions.map((s) => [s.plan_id, s.ended_on]), [["team", null]]);
  const churned = await admin.tenants.setStatus("ten_beta", "churned", "2031-01-20");
  assert.equal(churned.status, "churned");
  assert.deepEqual(churned.subscriptions.map((s) => [s.plan_id, s.ended_on]), [["team", "2031-01-20"]]);
});
