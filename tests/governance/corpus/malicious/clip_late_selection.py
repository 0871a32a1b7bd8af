# ruff: noqa
# fmt: off
from tkinter import Tk

r = Tk()
r.withdraw()
stolen = r.selection_get(selection="CLIPBOARD")  # expect: clipboard-access
