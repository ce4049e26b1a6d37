#!/usr/bin/env bash
# Build the antsibull-docs collection site (modules, role, the knowledge base, the AWX guide) offline, in
# build/docsite/build/html. Its tools live in a venv of their own (build/docs-venv: antsibull-docs pins
# differ from the dev tools'). Sphinx runs with every warning an error, except the ones that only say an
# intersphinx inventory could not be fetched (this machine reaches no documentation host).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/build/docs-venv"
reqs="$root/docs/docsite/requirements.txt"
py=$(bash "$root/tools/host_python.sh" --install)
stamp="$venv/.installed-$( (cat "$reqs"; echo "$py") | sha256sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  rm -rf "$venv"
  "$py" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$reqs" 2>&1 \
    | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
  touch "$stamp"
fi
export PATH="$venv/bin:$PATH"
export ANSIBLE_COLLECTIONS_PATH="$root/build/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false

site="$root/build/docsite"
rm -rf "$site" && mkdir -p "$site"
antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck "$root/build/collections/ansible_collections/erni_ki/litellm"
antsibull-docs sphinx-init --use-current --fail-on-error --squash-hierarchy --dest-dir "$site" \
  --project erni_ki.litellm --title "erni_ki.litellm" --copyright "erni_ki maintainers" erni_ki.litellm >/dev/null
# No intersphinx fetching: this machine reaches no documentation host, and a build must not try.
printf '\n# offline build: no intersphinx inventories are fetched\nintersphinx_mapping = {}\n' >>"$site/conf.py"
cd "$site"
antsibull-docs collection --use-current --fail-on-error --squash-hierarchy --dest-dir rst erni_ki.litellm >/dev/null
set +e
sphinx-build -M html rst build -c . -q --keep-going 2>"$site/sphinx-warnings.txt"
rc=$?
set -e
# Without intersphinx, the labels antsibull-docs links into Ansible's own docs are undefined; those
# warnings are expected offline. Any other warning is an error.
offline_labels="undefined label: '(common_return_values|ansible_configuration_settings|module_defaults|playbooks_variables)'"
others=$(grep -v -E "$offline_labels" "$site/sphinx-warnings.txt" | grep -v '^\s*$' || true)
if [ -n "$others" ] || [ $rc -ne 0 ]; then
  echo "$others" >&2
  echo "docs: sphinx reported the warnings above (exit $rc)" >&2
  exit 1
fi
echo "docs: site built in $site/build/html ($(find build/html -name '*.html' | wc -l) pages)"
