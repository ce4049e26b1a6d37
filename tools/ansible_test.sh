#!/usr/bin/env bash
# Run ansible-test on a copy of the collection, with a given ansible-core and Python:
#   tools/ansible_test.sh CORE PYTHON COMMAND [ARGS...]     e.g. 2.21 3.13 sanity
# CORE "dev" uses the project's own venv (.venv, the pinned ansible-core); any other CORE gets a
# venv of its own, build/ansible-core-CORE, with the newest ansible-core CORE.x from the registry.
# The interpreter pythonPYTHON: tools/host_python.sh (Debian's first, then PATH, then pyenv's versions).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
core=$1 pyver=$2
shift 2

python=$(bash "$root/tools/host_python.sh" --install "$pyver")
# ansible-test finds the interpreter it tests with by name on PATH.
export PATH="$(dirname "$python"):$PATH"

if [ "$core" = dev ]; then
  venv="$root/.venv"
else
  venv="$root/build/ansible-core-$core"
  stamp="$venv/.installed-$core"
  if [ ! -f "$stamp" ]; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "ansible-core==$core.*" 2>&1 \
      | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
    touch "$stamp"
  fi
fi

# ansible-test bootstraps pip in its venvs with a downloaded script this machine cannot reach; it
# looks for a cached copy first, named after the pip version it wants.
req=$(find "$venv"/lib/python*/site-packages/ansible_test/_internal -name python_requirements.py | head -n 1)
pipver=$(grep -oE "pip='[0-9.]+'" "$req" | cut -d"'" -f2)
mkdir -p ~/.ansible/test/cache
cp "$root/tools/get_pip_shim.py" ~/.ansible/test/cache/"get_pip_${pipver//./_}.py"

# A copy as ansible_collections/erni_ki/litellm, its own git repo (ansible-test lists files with git,
# and build/ is ignored by ours); sandbox-only files stay out, as in the Galaxy tarball.
tree="$root/build/ansible-test-$core/ansible_collections/erni_ki/litellm"
rm -rf "$root/build/ansible-test-$core" && mkdir -p "$tree"
(cd "$root" && git ls-files -co --exclude-standard | grep -v -E '^(sandbox|benchmarks|molecule)/' \
  | tar -cf - -T - ) | tar -xf - -C "$tree"
cd "$tree" && git init -q && git add -A
version=$("$venv/bin/ansible" --version)
echo "ansible-test $* with ${version%%$'\n'*} on Python $pyver"
"$venv/bin/ansible-test" "$@" --venv --python "$pyver" --color no
