# ruff: noqa
# fmt: off
"""System-wide preload through /etc/ld.so.preload (used by Linux rootkits such as Symbiote)."""
with open("/etc/ld.so.preload", "a") as fh:  # expect: dll-hijacking
    fh.write("/usr/lib/x86_64-linux-gnu/libsys.so\n")
