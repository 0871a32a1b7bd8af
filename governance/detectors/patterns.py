"""Name tables and patterns shared by the detectors (qualified names are resolved through imports)."""

from __future__ import annotations

import ipaddress
import re

EXEC_SINKS = frozenset({"exec", "eval", "compile", "execfile"})

PROCESS_SINKS = frozenset(
    {
        "os.system", "os.popen", "os.startfile", "os.posix_spawn", "os.posix_spawnp",
        *(f"os.exec{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
        *(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe")),
        "subprocess.Popen", "subprocess.run", "subprocess.call", "subprocess.check_call",
        "subprocess.check_output", "subprocess.getoutput", "subprocess.getstatusoutput",
        "pty.spawn", "asyncio.create_subprocess_shell", "asyncio.create_subprocess_exec",
        "commands.getoutput", "platform.popen", "ctypes.windll.shell32.ShellExecuteW",
        "ctypes.windll.shell32.ShellExecuteA", "ctypes.windll.kernel32.WinExec", "win32api.ShellExecute",
        "win32api.WinExec", "win32process.CreateProcess",
    }
)  # fmt: skip
SHELL_SINKS = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput",
                         "asyncio.create_subprocess_shell", "commands.getoutput", "platform.popen"})  # fmt: skip

DECODERS = frozenset(
    {
        "base64.b64decode", "base64.b32decode", "base64.b16decode", "base64.a85decode", "base64.b85decode",
        "base64.standard_b64decode", "base64.urlsafe_b64decode", "base64.decodebytes", "base64.decodestring",
        "binascii.unhexlify", "binascii.a2b_base64", "binascii.a2b_hex", "bytes.fromhex", "bytearray.fromhex",
        "codecs.decode", "zlib.decompress", "gzip.decompress", "bz2.decompress", "lzma.decompress",
        "marshal.loads", "codecs.getdecoder",
    }
)  # fmt: skip

NETWORK_MODULES = (
    "requests", "httpx", "urllib.request", "urllib3", "aiohttp", "http.client", "socket", "smtplib",
    "ftplib", "telnetlib", "websocket", "websockets", "dns.resolver", "paramiko", "pycurl", "urllib2",
    "urllib.urlopen", "xmlrpc.client",
)  # fmt: skip
NETWORK_VERBS = frozenset(
    {
        "get", "post", "put", "patch", "delete", "head", "options", "request", "urlopen", "Request",
        "urlretrieve", "connect", "send", "sendall", "sendto", "create_connection", "sendmail",
        "send_message", "storbinary", "resolve", "query", "gethostbyname", "getaddrinfo", "stream",
        "HTTPConnection", "HTTPSConnection", "SMTP", "SMTP_SSL", "FTP", "ServerProxy", "connect_ex",
    }
)  # fmt: skip

ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.getenvb", "os.environb.get", "os.environ.pop"})
ENV_OBJECTS = frozenset({"os.environ", "os.environb"})
SYSINFO_SOURCES = frozenset(
    {"socket.gethostname", "platform.node", "getpass.getuser", "os.getlogin", "os.uname", "uuid.getnode",
     "platform.uname", "socket.getfqdn"}
)  # fmt: skip

DESERIALIZERS = frozenset(
    {
        "pickle.loads", "pickle.load", "cPickle.loads", "cPickle.load", "_pickle.loads", "_pickle.load",
        "dill.loads", "dill.load", "marshal.loads", "marshal.load", "shelve.open", "jsonpickle.decode",
        "yaml.unsafe_load", "yaml.unsafe_load_all", "pandas.read_pickle", "joblib.load", "cloudpickle.loads",
        "cloudpickle.load",
    }
)  # fmt: skip
YAML_LOADERS = frozenset({"yaml.load", "yaml.load_all"})
SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")

CLIPBOARD_CALLS = ("pyperclip.paste", "pyperclip.copy", "win32clipboard.", "tkinter.Tk().clipboard_get",
                   "pandas.read_clipboard", "clipboard.paste", "clipboard.copy")  # fmt: skip
SCREENSHOT_CALLS = ("pyautogui.screenshot", "PIL.ImageGrab.grab", "ImageGrab.grab", "mss.mss",
                    "pyscreenshot.grab", "d3dshot.create")  # fmt: skip
KEYLOGGER_CALLS = ("pynput.keyboard.Listener", "keyboard.on_press", "keyboard.hook", "keyboard.on_release",
                   "keyboard.record", "keyboard.read_key", "keyboard.read_event", "pyxhook.HookManager",
                   "ctypes.windll.user32.GetAsyncKeyState", "ctypes.windll.user32.SetWindowsHookExA",
                   "ctypes.windll.user32.SetWindowsHookExW", "win32api.GetAsyncKeyState",
                   "ctypes.windll.user32.GetKeyState")  # fmt: skip
STEGO_CALLS = ("stegano.", "steganography.", "stegpy.", "LSBSteg", "lsb.reveal", "lsb.hide")
NATIVE_LOADERS = ("ctypes.CDLL", "ctypes.WinDLL", "ctypes.cdll.LoadLibrary", "ctypes.windll.LoadLibrary",
                  "ctypes.windll.kernel32.LoadLibraryA", "ctypes.windll.kernel32.LoadLibraryW",
                  "ctypes.OleDLL", "ctypes.PyDLL", "os.add_dll_directory",
                  "ctypes.windll.kernel32.SetDllDirectoryW", "ctypes.windll.kernel32.SetDllDirectoryA")  # fmt: skip
FILE_WRITERS = frozenset({"shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.move", "os.rename",
                          "os.replace", "shutil.copytree", "os.symlink", "os.link"})  # fmt: skip
LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal"}
)
DEFAULT_PII_FIELDS = frozenset(
    {"email", "email_address", "ssn", "social_security_number", "phone", "phone_number", "credit_card",
     "card_number", "date_of_birth", "passport_number", "iban"}
)  # fmt: skip

# Credential stores whose path in a call argument means the code reads secrets of the host.
CREDENTIAL_PATH_RE = re.compile(
    r"(\.ssh/(id_|authorized_keys|known_hosts)|\.aws/credentials|\.aws/config|\.netrc\b|\.pypirc|\.git-credentials"
    r"|/etc/passwd|/etc/shadow|/etc/sudoers|login data|local state|/cookies\b|\.config/gcloud|\.kube/config"
    r"|\.docker/config\.json|wallet\.dat|\.bash_history|\.zsh_history|local storage/leveldb|\.npmrc"
    r"|keychains?/|\.gnupg|\.azure/|discord/)",
    re.IGNORECASE,
)
AUTOSTART_RE = re.compile(
    r"(\.bashrc|\.bash_profile|\.zshrc|\.profile\b|/etc/profile|/etc/cron|crontab|\.config/autostart|launchagents"
    r"|launchdaemons|start menu\\programs\\startup|startup\\|/systemd/|/etc/rc\.local|/etc/init\.d"
    r"|currentversion\\run|\.pth$|sitecustomize\.py|usercustomize\.py)",
    re.IGNORECASE,
)
HOST_PATH_PREFIXES = ("/home/", "/root", "/users/", "~", "/var/lib/", "/var/run/", "/proc/", "/sys/", "/etc/",
                      "/opt/", "/mnt/", "/srv/", "/data/", "c:\\users", "c:\\windows")  # fmt: skip
HOST_PATH_ALLOWED = ("/etc/ssl", "/etc/pki", "/etc/ca-certificates", "/etc/os-release", "/etc/localtime",
                     "/etc/timezone", "/proc/self", "/proc/cpuinfo", "/proc/meminfo", "/sys/fs/cgroup",
                     "/etc/mime.types", "/etc/hosts", "/etc/resolv.conf", "/etc/machine-id")  # fmt: skip
SCRATCH_PREFIXES = ("/tmp/", "/var/tmp/", "/scratch/", "/dev/null", "/dev/stdout", "/dev/stderr")

URL_RE = re.compile(r"\b([a-z][a-z0-9+.-]*)://(?:[^/\s:@'\"]+@)?([^/\s:?#'\"\\]+)", re.IGNORECASE)
SUSPICIOUS_HOST_RE = re.compile(
    r"(^|\.)(pastebin\.com|paste\.ee|hastebin\.com|ghostbin\.\w+|transfer\.sh|ngrok\.io|ngrok-free\.app|ngrok\.app"
    r"|webhook\.site|requestbin\.\w+|pipedream\.net|burpcollaborator\.net|interact\.sh|oast\.\w+|serveo\.net"
    r"|localtunnel\.me|loca\.lt|trycloudflare\.com|ipinfo\.io|ifconfig\.me|api\.ipify\.org|icanhazip\.com"
    r"|ip-api\.com|checkip\.amazonaws\.com|duckdns\.org|no-ip\.\w+|bit\.ly|tinyurl\.com|is\.gd|discord\.com"
    r"|discordapp\.com|api\.telegram\.org|anonfiles\.com|file\.io|temp\.sh|[a-z2-7]{16,56}\.onion)$",
    re.IGNORECASE,
)
# Discord webhooks and Telegram bots are how stolen data most often leaves (GuardDog threat rules).
WEBHOOK_PATH_RE = re.compile(r"(discord(app)?\.com/api/webhooks|api\.telegram\.org/bot)", re.IGNORECASE)


def url_host(text: str) -> str | None:
    match = URL_RE.search(text)
    if not match or match.group(1).lower() not in ("http", "https", "ws", "wss", "ftp", "tcp", "udp"):
        return None
    return match.group(2).lower().rstrip(".")


def is_public_ip(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_global


def is_credential_path(path: str) -> bool:
    return bool(CREDENTIAL_PATH_RE.search(path.replace("\\", "/")))


def is_host_path(path: str) -> bool:
    lowered = path.lower().replace("\\\\", "\\")
    if lowered.startswith(HOST_PATH_ALLOWED):
        return False
    return lowered.startswith(HOST_PATH_PREFIXES) or "../.." in lowered


def is_outside_scratch(path: str) -> bool:
    lowered = path.lower()
    if lowered.startswith(SCRATCH_PREFIXES):
        return False
    return lowered.startswith(("/", "~", "c:\\", "\\\\")) or "../" in lowered


# Calls whose reach through computed names (getattr with built strings, __import__ tricks) is obfuscation.
DANGEROUS = EXEC_SINKS | PROCESS_SINKS | {"__import__", "importlib.import_module", "open"}
# Native libraries by file name (``libx.so.1``, ``x.dll``, ``x.dylib``, ``x.pyd``).
NATIVE_LIBRARY_RE = re.compile(r"\.(dll|so(\.\d+)*|dylib|pyd)$", re.IGNORECASE)
PRELOAD_FILE_RE = re.compile(r"(^|/)ld\.so\.preload$")
# Environment variables that make every later process load a library first.
PRELOAD_VARS = frozenset({"LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "LD_AUDIT"})
LIBRARY_PATH_VARS = frozenset({"LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH"})
