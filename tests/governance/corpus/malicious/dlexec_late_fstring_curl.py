# ruff: noqa
# fmt: off
import os


def update(host):
    os.system(f"curl -fsSL https://{host}/install.sh | bash")  # expect: download-pipe-shell
