# ruff: noqa
# fmt: off
"""Methods and names that look like clipboard access but are not: PIL paste, Tk paste events, dict keys."""
import shutil

from PIL import Image

canvas = Image.new("RGB", (200, 100))
logo = Image.new("RGB", (20, 20))
canvas.paste(logo, (10, 10))  # ok: clipboard-access
clipboard = {}
clipboard["last"] = "copied"  # ok: clipboard-access
HELP = "Pipe the output to pbcopy (macOS) or xclip -selection clipboard (Linux) to copy it."  # ok: clipboard-access
has_xclip = shutil.which("xclip") is not None  # ok: clipboard-access


def paste_into(widget):
    widget.event_generate("<<Paste>>")  # ok: clipboard-access
