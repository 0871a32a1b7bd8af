/**
 * `wpk.toml` validation before a package is built (DESIGN 3.4): every problem at once, offline. The rules
 * mirror the API's, which validates again on upload and is the judge.
 */
import { parseToml, TomlError, type Table } from "./toml.js";

export const NAME_RE = /^[a-z0-9-]{3,64}$/;
// semver.org's official pattern.
export const SEMVER_RE =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const HOST_RE = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const SECRET_RE = /^[A-Z_][A-Z0-9_]*$/;
const FILESYSTEM_MODES = ["none", "read-only", "scratch"];

export interface Manifest {
  name: string;
  version: string;
  publisher: string;
  entrypoint: string | undefined;
  raw: Table;
}

function table(doc: Table, key: string, errors: string[], required: boolean): Table {
  const value = doc[key];
  if (value === undefined) {
    if (required) errors.push(`[${key}] table is missing; add it`);
    return {};
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    errors.push(`${key} must be a table ([${key}])`);
    return {};
  }
  return value;
}

function text(t: Table, where: string, errors: string[], required: boolean): string {
  const value = t[where.split(".")[1] as string];
  if (value === undefined) {
    if (required) errors.push(`${where} is missing; add it`);
    return "";
  }
  if (typeof value !== "string") {
    errors.push(`${where} must be a string`);
    return "";
  }
  return value;
}

function strings(t: Table, where: string, errors: string[]): string[] {
  const value = t[where.split(".")[1] as string] ?? [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    errors.push(`${where} must be a list of strings, e.g. ["…"]`);
    return [];
  }
  return value as string[];
}

/** The parsed manifest (undefined when the TOML is unreadable) and every problem found. */
export function validateManifest(source: string): { manifest: Manifest | undefined; errors: string[] } {
  let doc: Table;
  try {
    doc = parseToml(source);
  } catch (error) {
    if (error instanceof TomlError) return { manifest: undefined, errors: [error.message] };
    throw error;
  }
  const errors: string[] = [];
  const pkg = table(doc, "package", errors, true);
  const name = text(pkg, "package.name", errors, true);
  if (name && !NAME_RE.test(name)) errors.push(`package.name '${name}' must be 3-64 characters of a-z, 0-9 and '-'`);
  const version = text(pkg, "package.version", errors, true);
  if (version && !SEMVER_RE.test(version)) errors.push(`package.version '${version}' must be a semantic version such as 1.2.0`);
  const publisher = text(pkg, "package.publisher", errors, true);
  const workflow = table(doc, "workflow", errors, false);
  const entrypoint = text(workflow, "workflow.entrypoint", errors, false) || undefined;

  const permissions = table(doc, "permissions", errors, false);
  for (const host of strings(permissions, "permissions.network", errors)) {
    if (!HOST_RE.test(host.toLowerCase())) {
      errors.push(
        `permissions.network entry '${host}' must be a host name such as 'slack.com' or '*.slack.com' (no scheme, path or port)`,
      );
    }
  }
  for (const secret of strings(permissions, "permissions.secrets", errors)) {
    if (!SECRET_RE.test(secret)) errors.push(`permissions.secrets entry '${secret}' must be an UPPER_SNAKE_CASE variable name`);
  }
  const filesystem = permissions.filesystem ?? "none";
  if (typeof filesystem !== "string" || !FILESYSTEM_MODES.includes(filesystem)) {
    errors.push(`permissions.filesystem must be one of ${FILESYSTEM_MODES.join(", ")}, got ${JSON.stringify(filesystem)}`);
  }
  if (typeof (permissions.subprocess ?? false) !== "boolean") errors.push("permissions.subprocess must be true or false");
  strings(table(doc, "data", errors, false), "data.pii_fields", errors);
  const budget = table(doc, "budget", errors, false);
  for (const key of ["max_runtime_s", "max_memory_mb"]) {
    const value = budget[key];
    if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value > 0)) {
      errors.push(`budget.${key} must be a positive integer, got ${JSON.stringify(value)}`);
    }
  }
  const observability = table(doc, "observability", errors, false);
  if (typeof (observability.health_check ?? false) !== "boolean") errors.push("observability.health_check must be true or false");
  return { manifest: { name, version, publisher, entrypoint, raw: doc }, errors };
}
