"""Honest code that looks like the malicious cases: all of it must stay clean."""

import ast
import base64
import binascii
import importlib
import json
import logging
import os
import re
import subprocess
import zlib
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

# Decoding data is fine as long as it is not executed.
settings = json.loads(base64.b64decode("eyJhIjogMX0="))
archive = zlib.decompress(base64.b64decode("eJyrVkrLz1eyUkpKLFKqBQAdegQ0"))
digest = binascii.unhexlify("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
EXPECTED_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
USER_ID_PATTERN = re.compile(r"^[a-z0-9_]{3,32}$")
value = ast.literal_eval("[1, 2, 3]")

# Safe YAML.
config = yaml.safe_load("a: 1")
config2 = yaml.load("a: 1", Loader=yaml.SafeLoader)

# Processes with constant argument lists: a capability, not a threat.
subprocess.run(["git", "status", "--short"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

# Plugins by name; getattr on harmless attributes.
plugin = importlib.import_module(f"myapp.plugins.{os.environ.get('PLUGIN', 'default')}")
level = logging.INFO
handler = getattr(plugin, "handle", None)


class Database:
    def exec(self, sql: str) -> None:
        log.debug("running %s", sql)

    def system(self) -> str:
        return "db"


db = Database()
db.exec("select 1")
db.system()

# Paths inside the package and the scratch area; URLs in documentation strings.
template = (Path(__file__).parent / "template.txt").read_text() if Path(__file__).exists() else ""
with open("/tmp/scratch/output.csv", "w") as out:
    out.write("a,b\n")


def fetch_docs() -> str:
    """See https://pastebin.com/faq for why we do not use paste sites; install with curl | sh never."""
    return "docs"


GREETING = "Hello 👨‍👩‍👧 Grüße, naïve café"
LOCALHOST = "http://127.0.0.1:8080/health"
INTERNAL = "http://10.0.0.12/metrics"
log.info("user %s logged in", "user_id")
password_hint = "must be at least 12 characters"
token_url = "https://slack.com/api/oauth.v2.access"
