// The TypeScript SDK's issue-15 calls against a real `atom serve` (tests/sdk/live_server.py): download with signature
// verification, installs, payout account, statement, void and credit notes. The closed month is the one of
// tests/api/test_invoice_corrections_and_statements.py, seeded by tests/sdk/operator_seed.py.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { Client, ConflictError, NotFoundError, SignatureVerificationError, ValidationError, keys } from "../src/index.js";
import { writePackage } from "./fixtures.js";
import { startLiveServer, type LiveServer, runSeed } from "./live_server.js";


let info: LiveServer;

function seed(...args: string[]): void {
  runSeed("operator_seed.py", info.home, ...args);
}

before(async () => {
  info = await startLiveServer("ops", ["--tenant", "ten_acme", "--tenant", "ten_beta", "--publisher", "acme"]);
  seed("close-month");
});

after(() => {
  info?.process.kill("SIGTERM");
});

test("a tenant downloads a package only once its signature verifies, then installs it", async () => {
  const pair = keys.generate();
  const publisher = new Client({ apiKey: info.keys["publisher:acme"], baseUrl: info.url });
  await publisher.publishers.registerKey("acme", pair.publicPem);
  const root = writePackage(path.join(mkdtempSync(path.join(tmpdir(), "atom-ts-pkg-")), "hello"), "hello-ts", "1.2.0", "acme");
  const file = publisher.packages.build(root);
  const receipt = await publisher.packages.publish(file, publisher.packages.sign(file, pair.privatePem));
  seed("approve", receipt.submission_id);

  const tenant = new Client({ apiKey: info.keys["tenant:ten_acme"], baseUrl: info.url });
  const expected = new Uint8Array(readFileSync(file));
  assert.deepEqual(await tenant.packages.download("hello-ts", "1.2.0"), expected);
  assert.deepEqual(await tenant.packages.download("hello-ts", "1.2.0", { publicKeys: [pair.publicPem] }), expected);
  const stranger = keys.generate("ed25519");
  await assert.rejects(
    tenant.packages.download("hello-ts", "1.2.0", { publicKeys: [stranger.publicPem] }),
    SignatureVerificationError,
  );
  await assert.rejects(tenant.packages.download("hello-ts", "9.0.0"), NotFoundError);
  const [key] = await tenant.publishers.publicKeys("acme");
  assert.equal(key?.key_id, keys.keyId(pair.publicPem));
  const install = await tenant.packages.install("hello-ts", "1.2.0");
  assert.equal(install.tenant_id, "ten_acme");
  assert.equal(install.version, "1.2.0");
  assert.ok(keys.verifyBytes(expected, keys.signBytes(expected, pair.privatePem), pair.publicPem));
  assert.ok(!keys.verifyBytes(new Uint8Array([...expected, 0]), keys.signBytes(expected, pair.privatePem), pair.publicPem));
});

test("a partner sets its payout account and reads its statement; an admin voids and credits", async () => {
  const partner = new Client({ apiKey: info.keys["publisher:acme"], baseUrl: info.url });
  const admin = new Client({ apiKey: info.admin_key, baseUrl: info.url });
  assert.equal((await partner.publishers.setPayoutAccount("acme", "acct_1TsAcme")).stripe_account_id, "acct_1TsAcme");
  await assert.rejects(partner.publishers.setPayoutAccount("acme", "nope"), ValidationError);
  const statement = await partner.publishers.statement("acme", "2026-10");
  assert.equal(statement.currency, "usd");
  assert.deepEqual(
    statement.lines.map((l) => [l.package_id, l.gross_amount, l.payout_amount, l.platform_fee_amount]),
    [["pkg_slack", "30.50", "21.35", "9.15"]],
  );
  assert.equal(statement.payout_amount, "21.35");
  assert.equal(statement.transfer_id, null);

  assert.equal((await admin.invoices.void("ATOM-202610-00002")).status, "void");
  await assert.rejects(admin.invoices.void("ATOM-202610-00002"), ConflictError);
  const note = await admin.invoices.creditNote("ATOM-202610-00001", "19.99", "outage");
  assert.deepEqual([note.number, note.amount, note.remaining], ["ATOM-202610-00003", "19.99", "49.01"]);
  await assert.rejects(admin.invoices.creditNote("ATOM-202610-00001", "49.02", "too much"), (error: unknown) => {
    assert.ok(error instanceof ValidationError);
    assert.equal(error.reason, "exceeds_invoice");
    return true;
  });
});
