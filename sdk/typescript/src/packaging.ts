/**
 * Building a `.wpk` from a directory, reproducibly (sorted entries, fixed times and modes: the same directory
 * gives the same bytes), and signing it (DESIGN 3.4, 3.5).
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from "node:fs";
import path from "node:path";

import { PackageError } from "./errors.js";
import { signBytes } from "./keys.js";
import { validateManifest, type Manifest } from "./manifest.js";
import { zipEntries } from "./zip.js";

export const MANIFEST = "wpk.toml";
export const OUTPUT_DIR = "dist";
// The API's limits; refusing here saves an upload that would be refused there.
const MAX_FILES = 1000;
const MAX_PATH_LENGTH = 255;
const MAX_ARCHIVE_BYTES = 20 * 1024 * 1024;
const SKIP_DIRS = new Set(["__pycache__", ".git", ".hg", ".svn", ".venv", "node_modules", ".mypy_cache", ".pytest_cache", ".ruff_cache"]);
const SKIP_SUFFIXES = [".pyc", ".pyo", ".wpk", ".sig"];
const SKIP_NAMES = new Set([".DS_Store", "Thumbs.db"]);

export function readManifest(directory: string): Manifest {
  const file = path.join(directory, MANIFEST);
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch {
    throw new PackageError(`${directory} has no ${MANIFEST} at its root; a package needs one (DESIGN 3.4)`);
  }
  const { manifest, errors } = validateManifest(source);
  if (!manifest || errors.length) throw new PackageError(`${file} is not valid`, errors);
  return manifest;
}

/** `[archive name, absolute path]` pairs sorted by archive name (by UTF-16 code unit, equal to Python's for ASCII). */
export function packageFiles(directory: string): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  const problems: string[] = [];
  const walk = (relative: string): void => {
    for (const name of readdirSync(path.join(directory, relative))) {
      const rel = relative ? `${relative}/${name}` : name;
      const full = path.join(directory, rel);
      const info = lstatSync(full);
      if (info.isSymbolicLink()) {
        problems.push(`${rel} is a symbolic link; copy its target instead`);
      } else if (info.isDirectory()) {
        if (!SKIP_DIRS.has(name) && !(relative === "" && name === OUTPUT_DIR)) walk(rel);
      } else if (SKIP_NAMES.has(name) || SKIP_SUFFIXES.some((s) => name.endsWith(s))) {
        continue;
      } else if (!info.isFile()) {
        problems.push(`${rel} is not a regular file`);
      } else if (rel.length > MAX_PATH_LENGTH) {
        problems.push(`${rel.slice(0, 60)}… is longer than ${MAX_PATH_LENGTH} characters`);
      } else {
        found.push([rel, full]);
      }
    }
  };
  walk("");
  if (found.length > MAX_FILES) problems.push(`${found.length} files; a package holds at most ${MAX_FILES}`);
  if (problems.length) throw new PackageError(`${directory} cannot be packaged`, problems);
  return found.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Validate `directory/wpk.toml` and write `<name>-<version>.wpk`; resolves to its path. `output` is a file path
 * or an existing directory; by default `directory/dist/`, which is never packaged itself.
 */
export function buildPackage(directory: string, output?: string): string {
  const source = path.resolve(directory);
  if (!statSync(source, { throwIfNoEntry: false })?.isDirectory()) {
    throw new PackageError(`${source} is not a directory; pass the folder that holds wpk.toml`);
  }
  const manifest = readManifest(source);
  const files = packageFiles(source);
  if (manifest.entrypoint && !files.some(([name]) => name === manifest.entrypoint)) {
    throw new PackageError(`workflow.entrypoint '${manifest.entrypoint}' is not in ${source}; add the file or fix the path`);
  }
  const data = zipEntries(files.map(([name, full]) => ({ name, data: readFileSync(full) })));
  if (data.length > MAX_ARCHIVE_BYTES) {
    throw new PackageError(`the package is ${data.length} bytes; the API accepts at most ${MAX_ARCHIVE_BYTES}`);
  }
  const filename = `${manifest.name}-${manifest.version}.wpk`;
  let target = output === undefined ? path.join(source, OUTPUT_DIR, filename) : path.resolve(output);
  if (output !== undefined && statSync(target, { throwIfNoEntry: false })?.isDirectory()) target = path.join(target, filename);
  mkdirSync(path.dirname(target), { recursive: true });
  // Temporary name then rename: an interrupted build never leaves a truncated .wpk behind.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, target);
  return target;
}

/** The DESIGN 3.5 detached signature of the file's exact bytes, as base64 text. */
export function signPackage(file: string, privateKeyPem: string, passphrase?: string): string {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    throw new PackageError(`${file} does not exist; build it first with packages.build(directory)`);
  }
  return signBytes(data, privateKeyPem, passphrase);
}
