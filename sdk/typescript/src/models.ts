/**
 * The API's documents (DESIGN 3.1, 3.3, 3.6, 3.8). Quantities and amounts stay decimal strings: JavaScript
 * numbers are binary floats, and money is exact on this platform.
 */

/** One usage event as sent. `quantity` is a decimal string (or a number, converted with String()). */
export interface UsageEvent {
  id?: string;
  tenant_id: string;
  metric: string;
  quantity?: string | number | bigint;
  /** RFC 3339 text or a Date; defaults to now. */
  timestamp?: string | Date;
  package_id?: string | null;
  properties?: Record<string, unknown>;
}

export interface WireEvent {
  id: string;
  tenant_id: string;
  metric: string;
  quantity: string;
  timestamp: string;
  package_id: string | null;
  properties: Record<string, unknown>;
}

export interface EventError {
  index: number;
  reason: string;
  detail?: string;
}

/** The answer to one batch: accepted + duplicates + rejected = events sent. */
export interface UsageReceipt {
  received?: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  errors: EventError[];
}

export interface MetricUsage {
  metric: string;
  package_id: string | null;
  event_count: number;
  /** count, sum, max, unique_count, latest or weighted_sum; null when the month's price book lacks the metric. */
  aggregation: string | null;
  /** The month's quantity by the metric's aggregation, exact decimal text. */
  quantity: string;
  /** The sum of the events' quantities, exact decimal text. */
  quantity_sum: string;
}

export interface TenantUsage {
  tenant_id: string;
  period: string;
  metrics: MetricUsage[];
}

export interface Invoice {
  number: string | null;
  tenant_id?: string;
  period: string;
  status: string;
  currency: string;
  total: string;
  usage_amount?: string;
  recurring_amount?: string;
  line_count?: number;
  lines?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface PublishReceipt {
  submission_id: string;
  status: string;
  [key: string]: unknown;
}

/** One reason a submission waits for a human: `kind` threshold, rule, policy, signature, manifest, scanner or history. */
export interface QueueReason {
  kind: string;
  /** The rule or policy id, or a fixed word for the other kinds. */
  code: string;
  text: string;
}

/** A reviewer's question about a submission and, once given, the publisher's answer. */
export interface InfoRequest {
  id: number;
  question: string;
  requested_at: string;
  answer: string | null;
  answered_at: string | null;
  [key: string]: unknown;
}

/** A reviewer's rejection that takes effect on `effective_on` (YYYY-MM-DD) unless a higher version arrives first. */
export interface ScheduledRejection {
  effective_on: string;
  reason: string;
  scheduled_at?: string;
  [key: string]: unknown;
}

/** `201` from `POST /v1/submissions/{id}/answers`: the submission is back in review. */
export interface AnswerReceipt {
  submission_id: string;
  status: string;
  info_request: InfoRequest;
  [key: string]: unknown;
}

export interface Submission {
  submission_id?: string;
  id?: string;
  /** pending_scan, in_review, info_requested, approved or rejected. */
  status: string;
  report?: Record<string, unknown> | null;
  queue_reasons?: QueueReason[];
  info_requests?: InfoRequest[];
  scheduled_rejection?: ScheduledRejection | null;
  [key: string]: unknown;
}

export interface Package {
  name: string;
  versions?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface Tenant {
  id: string;
  name: string;
  [key: string]: unknown;
}

export interface Publisher {
  id: string;
  name: string;
  [key: string]: unknown;
}

/** A publisher's registered public signing key; downloads are verified against unrevoked ones. */
export interface PublicKey {
  key_id: string;
  public_key: string;
  created_at?: string;
  revoked_at?: string | null;
  [key: string]: unknown;
}

export interface PayoutAccount {
  publisher_id: string;
  stripe_account_id: string;
  previous_stripe_account_id?: string | null;
  [key: string]: unknown;
}

/** Amounts are decimal strings with the currency's minor-unit places. */
export interface StatementLine {
  package_id: string;
  gross_amount: string;
  payout_amount: string;
  platform_fee_amount: string;
  [key: string]: unknown;
}

export interface Statement {
  publisher_id?: string;
  period: string;
  currency: string;
  lines: StatementLine[];
  gross_amount?: string;
  platform_fee_amount?: string;
  payout_amount: string;
  transfer_id: string | null;
  [key: string]: unknown;
}

export interface Install {
  install_id: number;
  tenant_id: string;
  package: string;
  package_id?: string;
  version: string;
  installed_at: string;
  [key: string]: unknown;
}

export interface CreditNote {
  number: string;
  invoice_number: string;
  tenant_id: string;
  currency: string;
  amount: string;
  reason: string;
  issued_on: string;
  stripe_credit_note_id?: string | null;
  invoice_total?: string;
  credited_total?: string;
  remaining?: string;
  [key: string]: unknown;
}

export interface VoidedInvoice {
  number: string;
  status: string;
  stripe_invoice_id?: string | null;
  stripe_synced?: boolean;
  [key: string]: unknown;
}

export interface DownloadOptions {
  /** PEM public keys you trust for the package's publisher (pinned out of band); default: its unrevoked keys from the API. */
  publicKeys?: string[];
}

/** A price-book version (admin): it rates every month from `effective_from` (YYYY-MM) until the next version's. */
export interface PriceBookVersion {
  /** null for the home's file price book, in force from the beginning. */
  effective_from: string | null;
  sha256: string;
  currency: string;
  plans: string[];
  prices: string[];
  metrics: string[];
  created_by: string | null;
  created_at: string | null;
  /** The price book exactly as published (DESIGN 3.2). */
  yaml: string;
  /** Set when asked for the version in force in a month. */
  period?: string;
  [key: string]: unknown;
}

export interface Subscription {
  id: string;
  plan_id: string;
  /** YYYY-MM-DD. */
  started_on: string;
  /** The first day no longer held (YYYY-MM-DD); null while it runs. */
  ended_on: string | null;
  is_trial: boolean;
  [key: string]: unknown;
}

/** A tenant's lifecycle state and plans over time (admin). */
export interface TenantPlan {
  tenant_id: string;
  status: string | null;
  subscriptions: Subscription[];
  [key: string]: unknown;
}

export type TenantStatus = "active" | "suspended" | "churned";
