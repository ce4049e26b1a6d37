"""Stand-in for ansible-test's downloaded get-pip script (this machine reaches only package registries).

ansible-test runs ``python get_pip_<version>.py <pip install arguments>`` in each new venv. This
script bootstraps pip from the interpreter's own ensurepip, then installs what ansible-test asked for
through the normal pip configuration. ``make sanity`` copies it into ~/.ansible/test/cache/.
"""

import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade", "--disable-pip-version-check", *args])
