/**
 * A small TOML reader for `wpk.toml`: tables, dotted table headers, bare/quoted keys, basic, literal and
 * multi-line strings, integers, floats, booleans, (nested, multi-line) arrays and inline tables. Dates and
 * arrays of tables are refused with a clear message: manifests have no use for them. Hand-written because
 * the SDK has no runtime dependencies; the API parses with a full TOML library and stays the judge.
 */

export class TomlError extends Error {}

type Value = string | number | boolean | Value[] | { [key: string]: Value };
export type Table = { [key: string]: Value };

export function parseToml(text: string): Table {
  return new Parser(text).parse();
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): Table {
    const root: Table = {};
    let current = root;
    for (;;) {
      this.skipBlank();
      if (this.pos >= this.src.length) return root;
      const char = this.src[this.pos];
      if (char === "[") {
        if (this.src[this.pos + 1] === "[") this.fail("arrays of tables ([[...]]) are not used in wpk.toml");
        this.pos++;
        const path = this.keyPath("]");
        this.expect("]");
        current = this.table(root, path);
      } else {
        const path = this.keyPath("=");
        this.expect("=");
        this.skipSpaces();
        const value = this.value();
        const target = this.table(current, path.slice(0, -1), false);
        const key = path[path.length - 1] as string;
        if (key in target) this.fail(`key '${path.join(".")}' is defined twice`);
        target[key] = value;
      }
      this.endOfLine();
    }
  }

  private table(base: Table, path: string[], fresh = true): Table {
    let table = base;
    path.forEach((key, i) => {
      const existing = table[key];
      if (existing === undefined) {
        const created: Table = {};
        table[key] = created;
        table = created;
      } else if (typeof existing === "object" && !Array.isArray(existing)) {
        if (fresh && i === path.length - 1 && Object.keys(existing).some((k) => typeof existing[k] !== "object")) {
          this.fail(`table [${path.join(".")}] is defined twice`);
        }
        table = existing;
      } else {
        this.fail(`'${key}' is a value, not a table`);
      }
    });
    return table;
  }

  private keyPath(end: string): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpaces();
      const char = this.src[this.pos];
      if (char === '"') parts.push(this.basicString());
      else if (char === "'") parts.push(this.literalString());
      else {
        const match = /^[A-Za-z0-9_-]+/.exec(this.src.slice(this.pos));
        if (!match) this.fail(`expected a key before '${end}'`);
        parts.push(match[0]);
        this.pos += match[0].length;
      }
      this.skipSpaces();
      if (this.src[this.pos] === ".") {
        this.pos++;
        continue;
      }
      return parts;
    }
  }

  private value(): Value {
    const rest = this.src.slice(this.pos);
    if (rest.startsWith('"""')) return this.multiline('"""');
    if (rest.startsWith("'''")) return this.multiline("'''");
    const char = rest[0];
    if (char === '"') return this.basicString();
    if (char === "'") return this.literalString();
    if (char === "[") return this.array();
    if (char === "{") return this.inlineTable();
    if (rest.startsWith("true")) return (this.pos += 4), true;
    if (rest.startsWith("false")) return (this.pos += 5), false;
    if (/^\d{4}-\d{2}-\d{2}/.test(rest)) this.fail("dates are not used in wpk.toml; write them as strings");
    const match = /^[+-]?(inf|nan|[0-9_]+(\.[0-9_]+)?([eE][+-]?[0-9_]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)/.exec(rest);
    if (!match) this.fail("expected a value (a string in quotes, a number, true/false, [array] or {table})");
    this.pos += match[0].length;
    const token = match[0].replace(/_/g, "");
    if (/inf$/.test(token)) return token.startsWith("-") ? -Infinity : Infinity;
    if (/nan$/.test(token)) return NaN;
    const n = /^[+-]?0[xob]/.test(token) ? Number(token.replace(/^\+/, "")) : Number(token);
    if (Number.isNaN(n)) this.fail(`'${match[0]}' is not a number`);
    return n;
  }

  private array(): Value[] {
    this.pos++; // [
    const items: Value[] = [];
    for (;;) {
      this.skipBlank();
      if (this.src[this.pos] === "]") return this.pos++, items;
      items.push(this.value());
      this.skipBlank();
      if (this.src[this.pos] === ",") this.pos++;
      else if (this.src[this.pos] !== "]") this.fail("expected ',' or ']' in an array");
    }
  }

  private inlineTable(): Table {
    this.pos++; // {
    const table: Table = {};
    this.skipSpaces();
    if (this.src[this.pos] === "}") return this.pos++, table;
    for (;;) {
      const path = this.keyPath("=");
      this.expect("=");
      this.skipSpaces();
      const target = this.table(table, path.slice(0, -1), false);
      target[path[path.length - 1] as string] = this.value();
      this.skipSpaces();
      if (this.src[this.pos] === ",") {
        this.pos++;
        continue;
      }
      this.expect("}");
      return table;
    }
  }

  private basicString(): string {
    this.pos++; // "
    let out = "";
    for (;;) {
      const char = this.src[this.pos++];
      if (char === undefined || char === "\n") this.fail("string is not closed on its line");
      if (char === '"') return out;
      if (char === "\\") out += this.escape();
      else out += char;
    }
  }

  private escape(): string {
    const char = this.src[this.pos++];
    const simple: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };
    if (char !== undefined && char in simple) return simple[char] as string;
    if (char === "u" || char === "U") {
      const len = char === "u" ? 4 : 8;
      const hex = this.src.slice(this.pos, this.pos + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail(`bad \\${char} escape`);
      this.pos += len;
      return String.fromCodePoint(parseInt(hex, 16));
    }
    return this.fail(`unknown escape \\${char ?? ""}`);
  }

  private literalString(): string {
    const end = this.src.indexOf("'", this.pos + 1);
    const newline = this.src.indexOf("\n", this.pos + 1);
    if (end < 0 || (newline >= 0 && newline < end)) this.fail("literal string is not closed on its line");
    const out = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return out;
  }

  private multiline(quote: string): string {
    this.pos += 3;
    if (this.src[this.pos] === "\n") this.pos++;
    else if (this.src.startsWith("\r\n", this.pos)) this.pos += 2;
    let out = "";
    for (;;) {
      if (this.pos >= this.src.length) this.fail(`multi-line string is not closed with ${quote}`);
      if (this.src.startsWith(quote, this.pos)) {
        this.pos += 3;
        return out;
      }
      const char = this.src[this.pos++] as string;
      if (quote === '"""' && char === "\\") {
        if (/^[ \t]*\r?\n/.test(this.src.slice(this.pos))) {
          // line-ending backslash: trim the newline and the whitespace that follows
          this.pos += (/^[ \t]*\r?\n\s*/.exec(this.src.slice(this.pos)) as RegExpExecArray)[0].length;
        } else out += this.escape();
      } else out += char;
    }
  }

  private skipSpaces(): void {
    while (this.src[this.pos] === " " || this.src[this.pos] === "\t") this.pos++;
  }

  /** Spaces, newlines and comments. */
  private skipBlank(): void {
    for (;;) {
      const char = this.src[this.pos];
      if (char === " " || char === "\t" || char === "\n" || char === "\r") this.pos++;
      else if (char === "#") while (this.pos < this.src.length && this.src[this.pos] !== "\n") this.pos++;
      else return;
    }
  }

  private endOfLine(): void {
    this.skipSpaces();
    if (this.src[this.pos] === "#") while (this.pos < this.src.length && this.src[this.pos] !== "\n") this.pos++;
    if (this.pos < this.src.length && this.src[this.pos] !== "\n" && this.src[this.pos] !== "\r") {
      this.fail("expected the end of the line");
    }
  }

  private expect(char: string): void {
    this.skipSpaces();
    if (this.src[this.pos] !== char) this.fail(`expected '${char}'`);
    this.pos++;
  }

  private fail(message: string): never {
    const line = this.src.slice(0, this.pos).split("\n").length;
    throw new TomlError(`wpk.toml is not valid TOML: ${message} (line ${line})`);
  }
}
