# ruff: noqa
# fmt: off
"""A maintainer's release script (not run at install): builds and uploads with constant commands."""
import subprocess
import sys


def main():
    subprocess.run([sys.executable, "-m", "build"], check=True)  # ok: install-hook
    subprocess.run(["twine", "upload", "dist/*"], check=True)  # ok: install-hook


if __name__ == "__main__":
    main()
