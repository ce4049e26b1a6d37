# erni_ki.litellm developer entry points. `make demo` and `make test` do all their own set-up.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# the interpreter the venvs are made from: tools/host_python.sh (Debian's optimised build first); PY=... overrides
PY ?=
VENV := .venv
VBIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed-$(shell cat requirements-dev.txt constraints.txt tools/host_python.sh | sha256sum | cut -c1-12)
ROOT := $(abspath .)
COLLECTIONS := $(ROOT)/build/collections
COLL_LINK := $(COLLECTIONS)/ansible_collections/erni_ki/litellm
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export PYTHONPATH := $(COLLECTIONS)
export PATH := $(VBIN):$(PATH)
export LITELLM_LOCAL_MODEL_COST_MAP := True

.PHONY: prepare test-kb ee de sandbox-sshd bench-fleet bench-guard sanity-matrix units galaxy-import docsite changelog-lint bench docs help venv collection-link lint ruff ansible-lint sanity test-unit test-modules test-live test-molecule test \
        sandbox-up sandbox-down demo constraints clean

help:
	@echo "make demo         bring the sandbox up and run the main job on it"
	@echo "make test         lints, sanity, unit tests, live tests on the sandbox"
	@echo "make test-unit    the fast loop (seconds)"
	@echo "make sandbox-up / sandbox-down"
	@echo "make ee           build the execution environment (ansible-builder, offline)"

venv: $(STAMP)
$(STAMP): requirements-dev.txt constraints.txt tools/host_python.sh
	@py=$$(PY=$(PY) bash tools/host_python.sh --install); \
	if [ "$$(cat $(VENV)/.python 2>/dev/null)" != "$$py" ]; then \
	  rm -rf $(VENV) && "$$py" -m venv $(VENV) && echo "$$py" > $(VENV)/.python; fi
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt 2>&1 \
	  | { grep -v 'is ignored: it is neither a file nor a directory' || true; }
	@rm -f $(VENV)/.installed-*
	@touch $@

collection-link:
	@mkdir -p $(dir $(COLL_LINK))
	@ln -sfn $(ROOT) $(COLL_LINK)

constraints: venv
	{ echo "# Exact versions tested with requirements-dev.txt (Python 3.11). Regenerate: make constraints"; \
	  $(VBIN)/pip freeze --exclude-editable; } > constraints.txt

ruff: venv
	$(VBIN)/ruff check .
	$(VBIN)/ruff format --check .

ansible-lint: venv collection-link
	$(VBIN)/ansible-lint --profile production --offline

changelog-lint: venv
	$(VBIN)/antsibull-changelog lint

lint: ruff ansible-lint changelog-lint

# ansible-core versions the collection supports (meta/runtime.yml), each with the Python it is tested on.
SANITY_MATRIX := 2.17:3.12 2.18:3.12 2.19:3.11 2.20:3.12 2.21:3.13
# make test: the pinned version (the dev venv's) and the newest.
SANITY_DEFAULT := dev:3.11 2.21:3.13

sanity: venv
	@for cv in $(SANITY_DEFAULT); do bash tools/ansible_test.sh $${cv%%:*} $${cv##*:} sanity; done

sanity-matrix: venv
	@for cv in $(SANITY_MATRIX); do bash tools/ansible_test.sh $${cv%%:*} $${cv##*:} sanity; done

# ansible-test units, as a collection's standard CI runs them (tests/unit/requirements.txt)
units: venv
	bash tools/ansible_test.sh dev 3.11 units --requirements

galaxy-import: venv
	bash tools/galaxy_import.sh

test-unit: venv collection-link
	$(VBIN)/pytest -q tests/unit tests/repo

test-modules: venv collection-link
	$(VBIN)/pytest -q tests/modules

sandbox-up: venv
	bash sandbox/up.sh

sandbox-down:
	bash sandbox/down.sh

# the knowledge base re-measured: every rule's probe on every recorded release (builds missing images; slow)
test-kb: venv collection-link sandbox-up
	$(VBIN)/pytest -q -s tests/kb

# the execution environment (ansible-builder, offline; see extensions/ee/)
ee: venv
	bash extensions/ee/build.sh

# the cache guard's decision environment (ansible-rulebook, Java, the collection), built offline
de: venv
	bash extensions/de/build.sh

# the managed host reached over SSH, as AWX reaches it (127.0.0.1 only)
sandbox-sshd:
	bash sandbox/sshd.sh

# everything the live suite and molecule need: the engine, the sandbox, the execution environment, the sshd
prepare: venv collection-link sandbox-up ee de sandbox-sshd

# PREPARED=1 (make test sets it after `prepare`): the sandbox is up already, keep it as it is
LIVE_DEPS := $(if $(PREPARED),,sandbox-up ee de sandbox-sshd)

# three lanes side by side (tools/live_lanes.sh); LIVE_LANES=serial for one pytest process
test-live: venv collection-link $(LIVE_DEPS)
	bash tools/live_lanes.sh

# the sentinel and cluster scenarios link the inventory their preset's sandbox writes: bring up a missing one first;
# then the default sandbox's scenarios beside the presets' (tools/molecule_groups.sh; MOLECULE_GROUPS=serial)
test-molecule: venv collection-link $(if $(PREPARED),,sandbox-up)
	@for p in sentinel cluster; do \
	  [ -f sandbox/topologies/$$p/inventory.yml ] || SANDBOX_PRESET=$$p bash sandbox/up.sh; done
	MOLECULE=$(VBIN)/molecule bash tools/molecule_groups.sh

# every stage, the static ones beside prepare/test-live/test-molecule, each timed against tests/stage_budgets.txt
test:
	PREPARED=1 $$(PY=$(PY) bash tools/host_python.sh) tools/test_stages.py

demo: venv collection-link sandbox-up
	$(VBIN)/python sandbox/demo.py
	$(VBIN)/ansible-playbook -i sandbox/inventory.yml sandbox/demo.yml

bench: venv collection-link sandbox-up
	$(VBIN)/python benchmarks/redis_probe.py

# the fleet's cost as ratios against bare docker restarts (a 4-instance sandbox of its own); see docs/benchmarks.md
bench-fleet: venv collection-link sandbox-up
	$(VBIN)/python benchmarks/fleet.py

# the cache guard: fault to the last instance verified on local against hold + a bare rollback, and the guard's own
# cost for 4 and 64 watched instances; see docs/benchmarks.md
bench-guard: venv collection-link sandbox-up
	$(VBIN)/python benchmarks/guard.py

# regenerate the knowledge-base pages from the rules, then build the docs site
docs: venv collection-link
	$(VBIN)/python tools/render_kb_doc.py
	bash tools/docsite.sh

# the antsibull-docs site alone (offline; warnings are errors)
docsite: collection-link
	bash tools/docsite.sh

clean: sandbox-down
	rm -rf build tests/output .pytest_cache .ruff_cache
