"""The rule catalogue: one entry per rule id, with everything a finding and the score need.

``kind`` follows GuardDog v3's split: a *capability* says what code can do (spawn a process, open a
socket) and is normal in honest code; a *threat* is a sign of bad intent. ``specificity`` (0-1) is how
rarely the rule fires on honest code; the score trusts specific rules more. ``stage`` places a rule in an
attack chain (access → conceal → execute → egress), so findings in several stages corroborate each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["low", "medium", "high", "critical"]
Confidence = Literal["low", "medium", "high"]
Kind = Literal["capability", "threat", "policy"]
Stage = Literal["access", "conceal", "execute", "egress", "persist", "none"]

RULES_VERSION = "2026.11.1"


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: Severity
    confidence: Confidence
    kind: Kind
    specificity: float
    stage: Stage
    policies: tuple[str, ...]
    message: str
    recommendation: str
    # Where the rule is raised: ``plugins.<family>`` (a module of governance/detectors/plugins, loaded by the
    # Python analysis), or ``text``, ``secrets``, ``policies``, ``archive``, ``signatures``, ``scan``.
    detector: str = ""


_RULES = [
    # --- code execution and obfuscation -------------------------------------------------------------
    Rule("exec-base64", "obfuscation", "critical", "high", "threat", 0.95, "conceal", ("P-3",),
         "decoded data (base64/hex/zlib/marshal/…) reaches exec, eval, compile or a process call",
         "Ship readable source; never execute decoded or decompressed data.", "plugins.code_execution"),
    Rule("api-obfuscation", "obfuscation", "high", "high", "threat", 0.9, "conceal", ("P-3",),
         "a dangerous function is reached through built strings, getattr or __import__ tricks",
         "Import and call the function directly by name so reviewers can read what runs.", "plugins.api_obfuscation"),
    Rule("dynamic-code", "code-execution", "medium", "medium", "capability", 0.4, "execute", ("P-3",),
         "exec, eval or compile runs code that is not a literal",
         "Replace dynamic code with ordinary functions, or ast.literal_eval for data.", "plugins.code_execution"),
    Rule("encoded-blob", "obfuscation", "low", "medium", "threat", 0.3, "conceal", ("P-3",),
         "a long encoded string literal (base64 or hex) is embedded in the source",
         "Ship data as a separate, named file and explain what it is.", "plugins.strings"),
    Rule("unicode-bidi", "obfuscation", "high", "high", "threat", 0.9, "conceal", ("P-3",),
         "bidirectional control characters can make code read differently than it runs (Trojan Source)",
         "Remove the bidirectional control characters (U+202A-U+202E, U+2066-U+2069).", "text"),
    Rule("invisible-unicode", "obfuscation", "medium", "high", "threat", 0.7, "conceal", ("P-3",),
         "invisible characters (zero-width spaces/joiners) appear in code",
         "Remove zero-width and other invisible characters from the source.", "text"),
    Rule("packed-payload", "obfuscation", "high", "high", "threat", 0.85, "conceal", ("P-3",),
         "the code is packed or encrypted (PyArmor or similar) and cannot be reviewed",
         "Ship plain source: packed code cannot be reviewed and is refused.", "text"),
    Rule("bundled-binary", "obfuscation", "medium", "high", "threat", 0.6, "conceal", ("P-3",),
         "the package ships a compiled binary or bytecode file",
         "Ship source only; native code and .pyc files cannot be reviewed.", "text"),
    # --- processes ------------------------------------------------------------------------------------
    Rule("process-spawn", "process", "low", "high", "capability", 0.2, "execute", ("P-3",),
         "the code starts a process", "Declare permissions.subprocess = true, or use a library instead.", "plugins.process"),
    Rule("shell-command", "process", "medium", "medium", "capability", 0.35, "execute", ("P-3",),
         "a process is started through a shell with a command built at run time",
         "Pass an argument list without shell=True so input cannot inject commands.", "plugins.process"),
    Rule("silent-process-execution", "process", "high", "high", "threat", 0.8, "execute", ("P-3",),
         "a process is started hidden or detached with its output discarded",
         "Run processes in the foreground and log their output.", "plugins.process"),
    Rule("reverse-shell", "process", "critical", "high", "threat", 0.97, "execute", ("P-3", "P-5"),
         "a shell is bound to a network connection (reverse shell)", "Remove the remote shell.", "plugins.process"),
    # --- network --------------------------------------------------------------------------------------
    Rule("network-access", "network", "low", "high", "capability", 0.15, "egress", ("P-3",),
         "the code makes network connections", "Declare every host in permissions.network.", "plugins.network"),
    Rule("suspicious-url", "network", "medium", "medium", "threat", 0.65, "egress", ("P-3",),
         "a URL points at a paste site, tunnel, webhook collector, IP-lookup service or .onion host",
         "Talk only to the service the package is for, and declare it in permissions.network.", "plugins.strings"),
    Rule("raw-ip-url", "network", "medium", "medium", "threat", 0.55, "egress", ("P-3",),
         "the code contacts a public IP address instead of a host name",
         "Use the service's host name and declare it in permissions.network.", "plugins.network"),
    Rule("download-execute", "download-execute", "critical", "high", "threat", 0.95, "execute", ("P-3",),
         "content downloaded at run time is executed or made executable",
         "Ship the code in the package; never execute what you download.", "plugins.code_execution"),
    Rule("exfiltrate-sensitive-data", "exfiltration", "critical", "high", "threat", 0.95, "egress", ("P-1", "P-5"),
         "environment variables, credential files or system information are sent over the network",
         "Send only the data the workflow needs, to declared hosts.", "plugins.network"),
    Rule("exfiltrate-undeclared-secret", "exfiltration", "high", "medium", "threat", 0.7, "egress", ("P-2", "P-5"),
         "a secret-looking environment variable that the manifest does not declare is sent over the network",
         "Declare the secret in permissions.secrets, or stop sending it.", "plugins.network"),
    # --- secrets --------------------------------------------------------------------------------------
    Rule("hardcoded-secret", "secrets", "high", "high", "threat", 0.75, "access", ("P-2",),
         "a credential in a known token format is written into the source",
         "Revoke the credential, remove it, and read it from a declared secret at run time.", "secrets"),
    Rule("high-entropy-string", "secrets", "medium", "low", "threat", 0.3, "access", ("P-2",),
         "a string with high entropy next to a secret-like name may be a hard-coded credential",
         "Read credentials from declared secrets; if this is not a secret, add a reviewed suppression.", "secrets"),
    # --- filesystem, tenancy, surveillance ---------------------------------------------------------------
    Rule("filesystem-write", "filesystem", "low", "high", "capability", 0.15, "none", ("P-3",),
         "the code writes files", "Declare permissions.filesystem = \"scratch\" and write only there.", "plugins.files"),
    Rule("write-outside-scratch", "filesystem", "medium", "medium", "threat", 0.5, "persist", ("P-3", "P-5"),
         "a file is written to an absolute path or the home directory, outside the scratch area",
         "Write only under the scratch directory the platform provides.", "plugins.files"),
    Rule("autostart-persistence", "filesystem", "high", "high", "threat", 0.9, "persist", ("P-3", "P-5"),
         "the code installs itself to run automatically (shell profile, cron, autostart, Run key, .pth)",
         "Remove the persistence; packages must not change the host.", "plugins.files"),
    Rule("dll-hijacking", "filesystem", "high", "high", "threat", 0.8, "persist", ("P-3",),
         "a DLL or shared library is written or loaded from a writable location, or preloaded into processes",
         "Load native libraries only from the package's own directory or by system name; never from temporary, "
         "user-supplied or downloaded paths, and never set LD_PRELOAD or DYLD_INSERT_LIBRARIES.", "plugins.dll_hijacking"),
    Rule("credential-file-access", "exfiltration", "high", "high", "threat", 0.8, "access", ("P-5",),
         "the code reads credential stores (SSH keys, cloud credentials, browser data, /etc/passwd)",
         "Use declared secrets; never read the host's credential files.", "plugins.files"),
    Rule("host-path-access", "tenancy", "medium", "medium", "threat", 0.45, "access", ("P-5",),
         "the code reads host paths outside the package and the scratch area (/etc, /proc, /home, …)",
         "Read only the package's own files and the scratch area.", "plugins.files"),
    Rule("env-dump", "tenancy", "medium", "high", "threat", 0.55, "access", ("P-5",),
         "the whole process environment is read (it holds other secrets of the host)",
         "Read only the secrets declared in permissions.secrets, by name.", "plugins.tenancy"),
    Rule("undeclared-env-read", "tenancy", "low", "high", "policy", 0.3, "access", ("P-5",),
         "an environment variable that permissions.secrets does not declare is read",
         "Declare it in permissions.secrets, or take the value as workflow input.", "policies"),
    Rule("global-state-tampering", "tenancy", "medium", "medium", "threat", 0.5, "persist", ("P-5",),
         "the code changes interpreter-wide state (builtins, sys.modules, os.environ)",
         "Keep state inside the package; do not patch the interpreter or the environment.", "plugins.tenancy"),
    Rule("clipboard-access", "surveillance", "high", "high", "threat", 0.75, "access", ("P-3", "P-1"),
         "the code reads or writes the clipboard",
         "Workflow steps have no reason to read the clipboard; if copying a result is a feature, make it opt-in and write-only.", "plugins.clipboard"),
    Rule("screenshot", "surveillance", "high", "high", "threat", 0.85, "access", ("P-3", "P-1"),
         "the code captures the screen", "Remove screen capture.", "plugins.surveillance"),
    Rule("keylogger", "surveillance", "critical", "high", "threat", 0.9, "access", ("P-3", "P-1"),
         "the code listens to keystrokes", "Remove keyboard hooks.", "plugins.surveillance"),
    Rule("steganography", "steganography", "high", "medium", "threat", 0.8, "conceal", ("P-3",),
         "data is hidden in or extracted from image pixels", "Do not hide data in media files.", "plugins.steganography"),
    Rule("cryptomining", "cryptomining", "critical", "high", "threat", 0.95, "execute", ("P-3", "P-6"),
         "the code references mining pools, miners or mining wallets", "Remove the miner.", "text"),
    Rule("unsafe-deserialization", "deserialization", "medium", "medium", "capability", 0.4, "execute", ("P-3",),
         "pickle/marshal/unsafe YAML load can run code hidden in the data",
         "Use JSON, or yaml.safe_load, for data that crosses a trust boundary.", "plugins.deserialization"),
    Rule("install-hook", "code-execution", "high", "high", "threat", 0.8, "execute", ("P-3",),
         "code runs at install or interpreter start-up (setup.py command override, network or process in setup.py, .pth, sitecustomize)",
         "Packages must not run code at install time; move the logic into a workflow step.", "plugins.install_time"),
    Rule("download-pipe-shell", "download-execute", "critical", "high", "threat", 0.95, "execute", ("P-3",),
         "a shell command downloads a script and runs it (curl | sh, IEX DownloadString, /dev/tcp)",
         "Ship the script in the package; never run what you download.", "text"),
    # --- policies: privacy, observability, budget, manifest, signature ----------------------------------
    Rule("pii-in-logs", "privacy", "medium", "medium", "policy", 0.6, "none", ("P-1",),
         "a personal-data field is written to logs or standard output",
         "Log an identifier or a hash, never the personal data itself.", "plugins.privacy"),
    Rule("undeclared-pii-field", "privacy", "low", "medium", "policy", 0.3, "none", ("P-1",),
         "the code handles a personal-data field that data.pii_fields does not declare",
         "Declare the field in data.pii_fields so tenants know what personal data the package touches.", "policies"),
    Rule("pii-sent-out", "privacy", "high", "medium", "policy", 0.6, "egress", ("P-1",),
         "a personal-data field is sent to a host the manifest does not declare",
         "Send personal data only to declared hosts, and declare the field in data.pii_fields.", "plugins.network"),
    Rule("undeclared-network-host", "network", "medium", "high", "policy", 0.5, "egress", ("P-3",),
         "the code contacts a host that permissions.network does not grant",
         "Add the host to permissions.network, or remove the call.", "policies"),
    Rule("undeclared-subprocess", "process", "medium", "high", "policy", 0.5, "execute", ("P-3",),
         "the code starts processes but permissions.subprocess is false",
         "Set permissions.subprocess = true and justify it, or remove the process call.", "policies"),
    Rule("undeclared-filesystem-write", "filesystem", "medium", "high", "policy", 0.45, "none", ("P-3",),
         "the code writes files but permissions.filesystem does not allow it",
         "Set permissions.filesystem = \"scratch\" and write only to the scratch area.", "policies"),
    Rule("missing-health-check", "observability", "low", "high", "policy", 0.3, "none", ("P-4",),
         "no health check is declared or implemented",
         "Set observability.health_check = true and define a health_check() function.", "policies"),
    Rule("unstructured-logging", "observability", "low", "medium", "policy", 0.2, "none", ("P-4",),
         "the code prints instead of logging", "Use the logging module (or structlog) so runs can be traced.", "policies"),
    Rule("budget-over-limit", "budget", "medium", "high", "policy", 0.5, "none", ("P-6",),
         "the declared budget exceeds the platform limits", "Lower budget.max_runtime_s / max_memory_mb.", "policies"),
    Rule("budget-missing", "budget", "low", "high", "policy", 0.3, "none", ("P-6",),
         "the manifest declares no budget", "Add [budget] with max_runtime_s and max_memory_mb.", "policies"),
    Rule("package-too-large", "budget", "medium", "high", "policy", 0.5, "none", ("P-6",),
         "the package is larger than the platform allows", "Remove data, build output and vendored code.", "policies"),
    Rule("manifest-missing", "manifest", "medium", "high", "policy", 0.2, "none", ("P-3", "P-4", "P-6"),
         "no wpk.toml at the package root", "Add wpk.toml as DESIGN 3.4 describes.", "policies"),
    Rule("manifest-invalid", "manifest", "medium", "high", "policy", 0.3, "none", ("P-3", "P-4", "P-6"),
         "wpk.toml is invalid", "Fix the listed wpk.toml errors.", "policies"),
    Rule("archive-rejected", "manifest", "critical", "high", "policy", 1.0, "none", ("P-6",),
         "the archive is unsafe to open (DESIGN 3.4 limits)", "Rebuild the .wpk with the SDK; see the reason.", "archive"),
    Rule("unparsable-source", "obfuscation", "low", "medium", "threat", 0.3, "conceal", ("P-3",),
         "a Python file cannot be parsed, so it cannot be reviewed", "Ship valid Python 3.11 source.", "scan"),
    Rule("signature-invalid", "signature", "critical", "high", "policy", 1.0, "none", ("P-2",),
         "the package signature does not verify", "Sign the exact .wpk bytes with a registered key.", "signatures"),
    Rule("signature-unverifiable", "signature", "high", "high", "policy", 0.5, "none", ("P-2",),
         "the signature or key cannot be used", "Provide a base64 signature and a PEM P-256 or Ed25519 key.", "signatures"),
    Rule("signature-missing", "signature", "medium", "high", "policy", 0.4, "none", ("P-2",),
         "the package is not signed", "Sign the .wpk with a key registered for the publisher.", "signatures"),
]  # fmt: skip

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}

POLICY_NAMES = {
    "P-1": "Data privacy",
    "P-2": "Secrets and signing",
    "P-3": "Execution safety",
    "P-4": "Observability",
    "P-5": "Multi-tenancy",
    "P-6": "Performance budget",
}
