# ruff: noqa
# fmt: off
import base64
import ctypes

sc = base64.b64decode("/EiD5PDowAAAAEFRQVBSUVZIMdJlSItSYA==")
k32 = ctypes.windll.kernel32
ptr = k32.VirtualAlloc(0, len(sc), 0x3000, 0x40)  # expect: exec-base64
k32.RtlMoveMemory(ptr, sc, len(sc))  # expect: exec-base64
k32.CreateThread(0, 0, ptr, 0, 0, 0)  # expect: exec-base64
