# ruff: noqa
# fmt: off
"""Loading data formats that can carry code."""
import pickle

import yaml

with open("state.bin", "rb") as fh:
    state = pickle.load(fh)  # expect: unsafe-deserialization

with open("config.yaml") as fh:
    config = yaml.load(fh)  # expect: unsafe-deserialization

with open("config.yaml") as fh:
    config = yaml.load(fh, Loader=yaml.UnsafeLoader)  # expect: unsafe-deserialization
