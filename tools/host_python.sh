#!/usr/bin/env bash
# Print the interpreter of Python VERSION (default 3.11) that the project's venvs are made from: the dev venv,
# the docs venv, ansible-test's venvs.
#   tools/host_python.sh [--install] [VERSION]
# Debian's /usr/bin/pythonVERSION comes first: it is built with profile-guided and link-time optimisation, a
# pyenv build (the python3.11 first on this machine's PATH) is not. Measured here (docs/testing.md): a role run
# costs about a quarter less CPU on Debian's, and the whole suite is CPU-bound. With --install, its venv module
# (pythonVERSION-venv) is installed from the machine's apt sources when missing. Then the pythonVERSION on PATH,
# then pyenv's versions (when PATH has only a shim that does not work). PY set by the caller wins.
set -euo pipefail

install=no
[ "${1:-}" = --install ] && { install=yes; shift; }
v=${1:-3.11}

if [ -n "${PY:-}" ]; then
  command -v "$PY"
  exit 0
fi
works() { [ -x "$1" ] && "$1" -c 'import ensurepip, venv' >/dev/null 2>&1; }
debian=/usr/bin/python$v
if [ -x "$debian" ] && ! works "$debian" && [ $install = yes ] && command -v apt-get >/dev/null; then
  echo "host_python: installing python$v-venv from the machine's apt sources" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq "python$v-venv" >/dev/null; } >&2 || true
fi
for p in "$debian" $(command -v "python$v" 2>/dev/null) "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$v".*/bin/python"$v"; do
  works "$p" && { echo "$p"; exit 0; }
done
echo "host_python: no working python$v (Debian's, PATH, or pyenv versions $v.*)" >&2
exit 1
