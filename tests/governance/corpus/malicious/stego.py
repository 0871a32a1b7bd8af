# ruff: noqa
# fmt: off
"""A payload hidden in the pixels of an image."""
from PIL import Image
from stegano import lsb

hidden = lsb.reveal("assets/logo.png")  # expect: steganography
exec(hidden)  # expect: dynamic-code

image = Image.open("assets/banner.png")
bits = [pixel[0] & 1 for pixel in image.getdata()]  # expect: steganography
