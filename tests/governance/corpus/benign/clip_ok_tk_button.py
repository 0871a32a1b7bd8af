# ruff: noqa
# fmt: off
"""A small Tk tool with a Copy button that puts its own result on the clipboard."""
import tkinter as tk


class App:
    def __init__(self):
        self.root = tk.Tk()
        self.result = "42"
        tk.Button(self.root, text="Copy", command=self.on_copy_clicked).pack()

    def on_copy_clicked(self):
        self.root.clipboard_clear()  # ok: clipboard-access
        self.root.clipboard_append(self.result)  # ok: clipboard-access
