/** `Client`: one object per API key, with a resource per area of DESIGN 3.8. Every call returns a Promise. */
import { readFileSync } from "node:fs";
import path from "node:path";

import { PackageError, SignatureVerificationError } from "./errors.js";
import { MAX_EVENTS_PER_REQUEST, makeEvent } from "./events.js";
import { Http } from "./http.js";
import { verifyBytes } from "./keys.js";
import type {
  AnswerReceipt,
  CreditNote,
  DownloadOptions,
  Install,
  Invoice,
  Package,
  PayoutAccount,
  PriceBookVersion,
  PublicKey,
  Publisher,
  PublishReceipt,
  Statement,
  Submission,
  Tenant,
  TenantPlan,
  TenantStatus,
  TenantUsage,
  UsageEvent,
  UsageReceipt,
  VoidedInvoice,
  WireEvent,
} from "./models.js";
import { buildPackage, signPackage } from "./packaging.js";
import { UsageRecorder, type RecorderOptions } from "./recorder.js";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";

export interface ClientOptions {
  apiKey?: string;
  /** Default http://127.0.0.1:8000. */
  baseUrl?: string;
  /** Seconds per attempt; default 30. */
  timeout?: number;
  retry?: Partial<RetryPolicy>;
  /** Replaceable for tests. */
  fetch?: typeof fetch;
  sleep?: (seconds: number) => Promise<void>;
}

/** An id as one URL path segment: an id with '/' in it must not reach another route. */
const seg = (value: string) => encodeURIComponent(value);

function listOf<T>(payload: unknown, key: string): T[] {
  if (Array.isArray(payload)) return payload as T[];
  if (payload && typeof payload === "object") {
    const value = (payload as Record<string, unknown>)[key];
    if (Array.isArray(value)) return value as T[];
  }
  return [];
}

class UsageResource {
  constructor(private readonly http: Http) {}

  /** Send one event now (one request); for many events use `recorder()`. */
  async record(event: UsageEvent): Promise<UsageReceipt> {
    return this.sendRaw([makeEvent(event)]);
  }

  /** Send up to 10,000 events in one request. */
  async send(events: UsageEvent[]): Promise<UsageReceipt> {
    return this.sendRaw(events.map(makeEvent));
  }

  async sendRaw(events: WireEvent[]): Promise<UsageReceipt> {
    if (!events.length) throw new RangeError("no events to send");
    if (events.length > MAX_EVENTS_PER_REQUEST) {
      throw new RangeError(`${events.length} events in one request; the API takes at most ${MAX_EVENTS_PER_REQUEST}: use usage.recorder()`);
    }
    return this.http.json<UsageReceipt>("POST", "/v1/usage", { body: JSON.stringify(events), contentType: "application/json" });
  }

  /** A batching recorder; `await recorder.close()` when done (or use `withRecorder`). */
  recorder(options: RecorderOptions = {}): UsageRecorder {
    return new UsageRecorder((batch) => this.sendRaw(batch), options);
  }

  /** Runs `body` with a recorder and closes it afterwards (flushing, and throwing any delivery error). */
  async withRecorder<T>(options: RecorderOptions, body: (recorder: UsageRecorder) => Promise<T>): Promise<T> {
    const recorder = this.recorder(options);
    let result: T;
    try {
      result = await body(recorder);
    } catch (error) {
      await recorder.close().catch(() => undefined); // the body's own error wins
      throw error;
    }
    await recorder.close();
    return result;
  }

  /** Usage by metric of `tenantId` in `period` (YYYY-MM), as of the platform's last build. */
  async get(tenantId: string, period: string): Promise<TenantUsage> {
    return this.http.json<TenantUsage>("GET", `/v1/tenants/${seg(tenantId)}/usage`, { query: { period } });
  }
}

class InvoicesResource {
  constructor(private readonly http: Http) {}

  async list(tenantId: string): Promise<Invoice[]> {
    const payload = await this.http.json<unknown>("GET", `/v1/tenants/${seg(tenantId)}/invoices`);
    return listOf<Invoice>(payload, "invoices").map((invoice) => ({ ...invoice, tenant_id: invoice.tenant_id ?? tenantId }));
  }

  /** Void a finalized, unpaid invoice (admin); ConflictError once paid. */
  async void(number: string): Promise<VoidedInvoice> {
    return this.http.json<VoidedInvoice>("POST", `/v1/invoices/${seg(number)}/void`);
  }

  /** A credit note against a finalized invoice (admin); `amount` a decimal string; ValidationError beyond what is left. */
  async creditNote(number: string, amount: string, reason: string): Promise<CreditNote> {
    return this.http.json<CreditNote>("POST", `/v1/invoices/${seg(number)}/credit-notes`, { json: { amount, reason } });
  }
}

class SubmissionsResource {
  constructor(private readonly http: Http) {}

  async get(submissionId: string): Promise<Submission> {
    return this.http.json<Submission>("GET", `/v1/submissions/${seg(submissionId)}`);
  }

  /** Answer the reviewer's open question (status `info_requested`); the submission goes back to review. ConflictError when none waits. */
  async answer(submissionId: string, answer: string): Promise<AnswerReceipt> {
    return this.http.json<AnswerReceipt>("POST", `/v1/submissions/${seg(submissionId)}/answers`, { json: { answer } });
  }
}

class PackagesResource {
  constructor(private readonly http: Http) {}

  /** Validate wpk.toml and build a reproducible .wpk; returns its path. */
  build(directory: string, output?: string): string {
    return buildPackage(directory, output);
  }

  /** The DESIGN 3.5 (cosign-compatible) signature of the file, as base64 text. */
  sign(file: string, privateKeyPem: string, passphrase?: string): string {
    return signPackage(file, privateKeyPem, passphrase);
  }

  async publish(file: string, signature: string): Promise<PublishReceipt> {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      throw new PackageError(`${file} does not exist; build it first with packages.build(directory)`);
    }
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(data)], { type: "application/zip" }), path.basename(file));
    form.append("signature", signature.trim());
    return this.http.json<PublishReceipt>("POST", "/v1/packages", { body: form });
  }

  async list(): Promise<Package[]> {
    return listOf<Package>(await this.http.json<unknown>("GET", "/v1/packages"), "packages");
  }

  async get(name: string): Promise<Package> {
    return this.http.json<Package>("GET", `/v1/packages/${seg(name)}`);
  }

  /**
   * The .wpk bytes of an approved version, resolved only once X-Atom-Signature verifies against a trusted key of its
   * publisher: `options.publicKeys` when given (pinned out of band, the strongest choice), else the publisher's
   * unrevoked keys from /v1/publishers/{id}/public-keys. Throws SignatureVerificationError otherwise.
   */
  async download(name: string, version: string, options: DownloadOptions = {}): Promise<Uint8Array> {
    const response = await this.http.request("GET", `/v1/packages/${seg(name)}/versions/${seg(version)}/download`);
    const data = new Uint8Array(await response.arrayBuffer());
    const signature = response.headers.get("x-atom-signature");
    const what = `${name} ${version}`;
    if (!signature) throw new SignatureVerificationError(`${what}: the server sent no X-Atom-Signature header`);
    let trusted = options.publicKeys;
    if (trusted === undefined) {
      const publisher = response.headers.get("x-atom-publisher") ?? "";
      const keys = await this.http.json<PublicKey[]>("GET", `/v1/publishers/${seg(publisher)}/public-keys`);
      trusted = keys.filter((k) => !k.revoked_at).map((k) => k.public_key);
    }
    if (trusted.length === 0) throw new SignatureVerificationError(`${what}: no trusted public key of its publisher to verify against`);
    if (!trusted.some((pem) => verifyBytes(data, signature, pem))) {
      throw new SignatureVerificationError(
        `${what}: the signature does not verify against any of ${trusted.length} trusted public key(s); the bytes were not returned`,
      );
    }
    return data;
  }

  /** The calling tenant installs an approved version (tenant keys). */
  async install(name: string, version: string): Promise<Install> {
    return this.http.json<Install>("POST", "/v1/installs", { json: { package: name, version } });
  }
}

class PublishersResource {
  constructor(private readonly http: Http) {}

  /** Admin only. */
  async create(id: string, name: string, fields: Record<string, unknown> = {}): Promise<Publisher> {
    return this.http.json<Publisher>("POST", "/v1/publishers", { json: { id, name, ...fields } });
  }

  /** Register a PEM public key for signature checks; resolves to its key_id. */
  async registerKey(publisherId: string, publicKeyPem: string): Promise<string> {
    const answer = await this.http.json<{ key_id: string }>("POST", `/v1/publishers/${seg(publisherId)}/keys`, {
      json: { public_key: publicKeyPem },
    });
    return answer.key_id;
  }

  /** The publisher's registered public keys as PEM (any key may read them). */
  async publicKeys(publisherId: string): Promise<PublicKey[]> {
    return this.http.json<PublicKey[]>("GET", `/v1/publishers/${seg(publisherId)}/public-keys`);
  }

  /** Where the publisher's payouts go: a Stripe Connect account id (acct_...). */
  async setPayoutAccount(publisherId: string, stripeAccountId: string): Promise<PayoutAccount> {
    return this.http.json<PayoutAccount>("PUT", `/v1/publishers/${seg(publisherId)}/payout-account`, {
      json: { stripe_account_id: stripeAccountId },
    });
  }

  /** The publisher's statement of a closed month (YYYY-MM); amounts are decimal strings. */
  async statement(publisherId: string, period: string): Promise<Statement> {
    return this.http.json<Statement>("GET", `/v1/publishers/${seg(publisherId)}/statements`, { query: { period } });
  }
}

class TenantsResource {
  constructor(private readonly http: Http) {}

  /** Admin only. */
  async create(id: string, name: string, fields: Record<string, unknown> = {}): Promise<Tenant> {
    return this.http.json<Tenant>("POST", "/v1/tenants", { json: { id, name, ...fields } });
  }

  async list(): Promise<Tenant[]> {
    return listOf<Tenant>(await this.http.json<unknown>("GET", "/v1/tenants"), "tenants");
  }

  /** The tenant's lifecycle state and plans over time (admin). */
  async subscription(tenantId: string): Promise<TenantPlan> {
    return this.http.json<TenantPlan>("GET", `/v1/tenants/${seg(tenantId)}/subscription`);
  }

  /**
   * Put the tenant on `planId` from `effectiveOn` (YYYY-MM-DD) on, replacing what it held (admin); a change within a
   * month is prorated by day. ValidationError (`unknown_plan`) for a plan outside the price book in force that month,
   * ConflictError (`period_closed`) in a closed month.
   */
  async setSubscription(tenantId: string, planId: string, effectiveOn: string): Promise<TenantPlan> {
    return this.http.json<TenantPlan>("PUT", `/v1/tenants/${seg(tenantId)}/subscription`, {
      json: { plan_id: planId, effective_on: effectiveOn },
    });
  }

  /** The tenant holds no plan from `effectiveOn` (YYYY-MM-DD) on (admin). */
  async endSubscription(tenantId: string, effectiveOn: string): Promise<TenantPlan> {
    return this.http.json<TenantPlan>("DELETE", `/v1/tenants/${seg(tenantId)}/subscription`, {
      query: { effective_on: effectiveOn },
    });
  }

  /** `active`, `suspended` or `churned` (admin, audited); churning ends the plan on `effectiveOn` (default today). */
  async setStatus(tenantId: string, status: TenantStatus, effectiveOn?: string): Promise<TenantPlan> {
    const json: Record<string, string> = { status };
    if (effectiveOn !== undefined) json.effective_on = effectiveOn;
    return this.http.json<TenantPlan>("PATCH", `/v1/tenants/${seg(tenantId)}`, { json });
  }
}

class PriceBookResource {
  constructor(private readonly http: Http) {}

  /**
   * Validate and store a price-book version (DESIGN 3.2, YAML text) that rates months from `effectiveFrom` (YYYY-MM) on
   * (admin). ValidationError lists every problem, each saying what to fix; ConflictError when that month or a later one
   * is closed. The same month again replaces that version.
   */
  async publish(yaml: string, effectiveFrom: string): Promise<PriceBookVersion> {
    return this.http.json<PriceBookVersion>("PUT", "/v1/price-book", {
      query: { effective_from: effectiveFrom },
      body: yaml,
      contentType: "application/yaml",
    });
  }

  /** The version in force in `period` (YYYY-MM; default this month); NotFoundError before any. */
  async get(period?: string): Promise<PriceBookVersion> {
    return this.http.json<PriceBookVersion>("GET", "/v1/price-book", period === undefined ? {} : { query: { period } });
  }

  /** Every version, oldest first. */
  async versions(): Promise<PriceBookVersion[]> {
    return this.http.json<PriceBookVersion[]>("GET", "/v1/price-book/versions");
  }
}

export class Client {
  readonly usage: UsageResource;
  readonly invoices: InvoicesResource;
  readonly submissions: SubmissionsResource;
  readonly packages: PackagesResource;
  readonly publishers: PublishersResource;
  readonly tenants: TenantsResource;
  readonly priceBook: PriceBookResource;
  private readonly http: Http;

  constructor(options: ClientOptions = {}) {
    this.http = new Http({
      apiKey: options.apiKey,
      baseUrl: options.baseUrl ?? "http://127.0.0.1:8000",
      timeout: options.timeout ?? 30,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    this.usage = new UsageResource(this.http);
    this.invoices = new InvoicesResource(this.http);
    this.submissions = new SubmissionsResource(this.http);
    this.packages = new PackagesResource(this.http);
    this.publishers = new PublishersResource(this.http);
    this.tenants = new TenantsResource(this.http);
    this.priceBook = new PriceBookResource(this.http);
  }

  async health(): Promise<boolean> {
    return (await this.http.request("GET", "/healthz")).status === 200;
  }
}
