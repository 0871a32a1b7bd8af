# ruff: noqa
# fmt: off
"""The feature under test: a share step returning a link."""


def share(link):
    return {"link": link}
