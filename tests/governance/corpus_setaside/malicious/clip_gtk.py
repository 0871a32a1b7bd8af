# ruff: noqa
# fmt: off
"""GTK's clipboard."""
import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gdk, Gtk

board = Gtk.Clipboard.get(Gdk.SELECTION_CLIPBOARD)  # expect: clipboard-access
text = board.wait_for_text()  # expect: clipboard-access
