// A package directory as a partner would have it; the same one the Python SDK tests build.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export function writePackage(root: string, name = "slack-notify", version = "1.2.0", publisher = "pub_acme"): string {
  mkdirSync(path.join(root, "steps"), { recursive: true });
  writeFileSync(
    path.join(root, "wpk.toml"),
    `[package]\nname = "${name}"\nversion = "${version}"\npublisher = "${publisher}"\n` +
      `description = "Post workflow results to Slack"\nlicense = "Apache-2.0"\n\n[workflow]\nentrypoint = "workflow.yaml"\n\n` +
      `[permissions]\nnetwork = ["slack.com"]\nsecrets = ["SLACK_TOKEN"]\nfilesystem = "scratch"\nsubprocess = false\n\n` +
      `[budget]\nmax_runtime_s = 300\nmax_memory_mb = 512\n\n[observability]\nhealth_check = true\n`,
  );
  writeFileSync(path.join(root, "workflow.yaml"), "steps:\n  - id: post\n    run: steps/post.py:run\n");
  writeFileSync(path.join(root, "steps", "post.py"), 'def run(message: str) -> str:\n    return "posted: " + message\n');
  return root;
}
