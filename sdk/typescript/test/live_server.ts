// One real `atom serve` per live test file, started by tests/sdk/live_server.py on a fresh home: the
// script prints one JSON line (the URL and the keys it made), then serves until it gets SIGTERM.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { Client } from "../src/index.js";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");
export const PYTHON = process.env.ATOM_PYTHON ?? path.join(REPO_ROOT, ".venv", "bin", "python");

export interface LiveServer {
  process: ChildProcess;
  home: string;
  url: string;
  admin_key: string;
  keys: Record<string, string>;
}

/** Our environment without ATOM_* (and DAGSTER_HOME): the server's settings come from its own home. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ATOM_") && k !== "DAGSTER_HOME"));
}

/** Start the API on a new home named after `prefix`, with live_server.py's `args`; resolve once /healthz answers. */
export async function startLiveServer(prefix: string, args: string[]): Promise<LiveServer> {
  const home = path.join(mkdtempSync(path.join(tmpdir(), `atom-ts-${prefix}-`)), "home");
  const script = path.join(REPO_ROOT, "tests", "sdk", "live_server.py");
  const child = spawn(PYTHON, [script, "--home", home, ...args], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the test API exited with ${code}; see ${home}/logs/api.log`)));
  });
  const info = JSON.parse(first) as Omit<LiveServer, "process" | "home">;
  const probe = new Client({ baseUrl: info.url, retry: { maxRetries: 0 } });
  for (let i = 0; ; i++) {
    try {
      if (await probe.health()) break;
    } catch (error) {
      if (i > 300) throw error;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...info, process: child, home };
}

/** Run one of tests/sdk's seed scripts on the server's home; fails the test with its stderr. */
export function runSeed(script: string, home: string, ...args: string[]): void {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("ATOM_")));
  const result = spawnSync(PYTHON, [path.join(REPO_ROOT, "tests", "sdk", script), "--home", home, ...args], {
    cwd: REPO_ROOT,
    env,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
}
