# ruff: noqa
# fmt: off
import importlib.util
import os
import pickle

HERE = os.path.dirname(os.path.abspath(__file__))


def load_plugin(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "plugins", name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # ok: download-execute
    return mod


with open(os.path.join(HERE, "model.pkl"), "rb") as f:
    model = pickle.load(f)  # ok: download-execute|unsafe-deserialization
