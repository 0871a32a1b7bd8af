"""Text rules for what the AST cannot see: shell scripts, packed payloads, invisible or bidirectional
Unicode, mining pools, long encoded blobs in non-Python files, binaries and ``.pth`` start-up hooks."""

from __future__ import annotations

import re

from governance.findings import Finding, make_finding

BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Zero-width and invisible formatting characters; U+FEFF only counts away from the start of the file.
# Joiners (U+200C/U+200D) are legitimate after non-ASCII text: emoji sequences, Indic and Persian scripts.
INVISIBLE_RE = re.compile(
    "[\u200b\u2060-\u2064\u180e\u3164\uffa0\u115f\u1160]|(?<![\u0080-\U0010ffff])[\u200c\u200d]|(?<!^)\ufeff"
)
PACKED_RE = re.compile(
    r"(__pyarmor__|pyarmor_runtime|__pyarmor_enter|from pytransform import|_pytransform\.|PY_ARMOR)"
)
MINING_RE = re.compile(
    r"(stratum\+(tcp|ssl|tls)://|\bxmrig\b|\bminerd\b|\bcpuminer\b|cryptonight|coinhive|nicehash\.com"
    r"|minexmr\.com|supportxmr\.com|nanopool\.org|2miners\.com|moneroocean|--donate-level|\bethminer\b"
    r"|\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b)",
    re.IGNORECASE,
)
DOWNLOAD_PIPE_RE = re.compile(
    r"((curl|wget)\b[^\n|;]*\|\s*(sudo\s+)?(ba|z|da)?sh\b|(curl|wget)\b[^\n;]*-O-?\s*\S*\s*\|\s*python"
    r"|iex\s*\(\s*(new-object\s+net\.webclient|\(new-object)|invoke-expression\s*\(?\s*\(?\s*(new-object|iwr|invoke-webrequest)"
    r"|downloadstring\s*\(|powershell(\.exe)?\s+[^\n]*-(enc|encodedcommand)\s+[a-z0-9+/=]{20,}"
    r"|certutil(\.exe)?\s+[^\n]*-urlcache\s+[^\n]*-f|bitsadmin(\.exe)?\s+/transfer"
    r"|base64\s+(-d|--decode)[^\n|]*\|\s*(ba|z)?sh\b)",
    re.IGNORECASE,
)
REVERSE_SHELL_RE = re.compile(
    r"(/dev/tcp/\S+/\d+|\bnc(at)?\s+(-\w+\s+)*-e\s+/bin/|bash\s+-i\s+>&|socat\s+[^\n]*exec:|mkfifo\s+[^\n]*\|\s*nc\b)",
    re.IGNORECASE,
)
SHELL_AUTOSTART_RE = re.compile(
    r"(>>\s*~?/?[^\s]*(\.bashrc|\.profile|\.zshrc|\.bash_profile)|crontab\s+-|/etc/cron\.|systemctl\s+(--user\s+)?enable"
    r"|launchctl\s+load|schtasks\s+/create|reg\s+add\s+[^\n]*currentversion\\run)",
    re.IGNORECASE,
)
LONG_B64_RE = re.compile(r"[A-Za-z0-9+/]{256,}={0,2}")
SHELL_SUFFIXES = (".sh", ".bash", ".zsh", ".ps1", ".bat", ".cmd", ".command")
BINARY_SUFFIXES = (".so", ".dll", ".dylib", ".exe", ".pyd", ".pyc", ".pyo", ".bin", ".elf")
BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def shell_command_findings(command: str) -> list[tuple[str, str]]:
    """Rules that apply to a shell command, whether in a script or built in Python."""
    hits: list[tuple[str, str]] = []
    if DOWNLOAD_PIPE_RE.search(command):
        hits.append(("download-pipe-shell", command[:80]))
    if REVERSE_SHELL_RE.search(command):
        hits.append(("reverse-shell", command[:80]))
    if SHELL_AUTOSTART_RE.search(command):
        hits.append(("autostart-persistence", command[:80]))
    if MINING_RE.search(command):
        hits.append(("cryptomining", command[:80]))
    if re.search(
        r"\b(xclip|xsel|pbpaste|pbcopy|Get-Clipboard|Set-Clipboard|wl-paste|wl-copy)\b|\|\s*clip(\.exe)?\b",
        command,
        re.I,
    ):
        hits.append(("clipboard-access", command[:80]))
    if re.search(r"\b(screencapture|scrot|import\s+-window\s+root)\b", command):
        hits.append(("screenshot", command[:80]))
    return hits


def scan_text(path: str, text: str, *, is_python: bool, blob_min_chars: int = 256) -> list[Finding]:
    """Line-oriented rules over any text file."""
    findings: list[Finding] = []
    lines = text.splitlines()
    lower_path = path.lower()
    is_shell = lower_path.endswith(SHELL_SUFFIXES) or (
        bool(lines) and lines[0].startswith("#!") and "sh" in lines[0]
    )
    seen: set[tuple[str, int]] = set()

    def add(rule: str, line: int, message: str) -> None:
        if (rule, line) not in seen:
            seen.add((rule, line))
            findings.append(make_finding(rule, path, line, source_lines=lines, message=message))

    if lower_path.endswith(".pth"):
        for number, line in enumerate(lines, 1):
            if line.lstrip().startswith("import ") or "exec(" in line:
                add("install-hook", number, ".pth line runs code at every interpreter start-up")
    # A fast pre-check: most files hold none of these characters or words.
    has_unicode = not text.isascii()
    lowered = text.lower()
    check_mining = MINING_RE.search(text) is not None
    check_packed = "pyarmor" in lowered or "pytransform" in lowered
    for number, line in enumerate(lines, 1):
        if has_unicode:
            if BIDI_RE.search(line):
                add("unicode-bidi", number, "bidirectional control character")
            if INVISIBLE_RE.search(line) and not (
                number == 1 and line.startswith("\ufeff") and not INVISIBLE_RE.search(line[1:])
            ):
                add("invisible-unicode", number, "zero-width or invisible character")
        if check_packed and PACKED_RE.search(line):
            add("packed-payload", number, "PyArmor runtime")
        if check_mining and MINING_RE.search(line):
            add("cryptomining", number, MINING_RE.search(line).group(0)[:60])  # type: ignore[union-attr]
        if not is_python:
            if (
                is_shell
                or "curl" in line
                or "wget" in line
                or "powershell" in line.lower()
                or "/dev/tcp" in line
            ):
                for rule, message in shell_command_findings(line):
                    if rule != "cryptomining":
                        add(rule, number, message)
            if len(line) >= blob_min_chars and LONG_B64_RE.search(line):
                add("encoded-blob", number, "long base64 run")
    return findings


def scan_binary(path: str, data: bytes) -> list[Finding]:
    if path.lower().endswith(BINARY_SUFFIXES) or data.startswith(BINARY_MAGIC):
        return [make_finding("bundled-binary", path, 1, message=path.rsplit("/", 1)[-1])]
    return []


def looks_binary(data: bytes) -> bool:
    return b"\x00" in data[:8192]
