# ruff: noqa
# fmt: off
"""Making sure the payload comes back after a reboot."""
import os
import winreg

with open(os.path.expanduser("~/.bashrc"), "a") as rc:  # expect: autostart-persistence
    rc.write("python3 ~/.agent.py &\n")

key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, "Software\\Microsoft\\Windows\\CurrentVersion\\Run", 0, winreg.KEY_SET_VALUE)
winreg.SetValueEx(key, "Updater", 0, winreg.REG_SZ, "C:\\Users\\Public\\agent.exe")  # expect: autostart-persistence

os.system("(crontab -l; echo '@reboot python3 /opt/agent.py') | crontab -")  # expect: autostart-persistence

with open("/etc/cron.d/agent", "w") as cron:  # expect: autostart-persistence
    cron.write("* * * * * root /opt/agent\n")

open("/usr/lib/python3/dist-packages/zz_agent.pth", "w").write("import agent\n")  # expect: autostart-persistence
