# Sourced by sandbox/up.sh and sandbox/down.sh: SANDBOX_PRESET=NAME reads sandbox/presets/NAME.env, a second sandbox
# project beside the default one (its project, ports, releases, topology and files). A variable already set in the
# environment wins over the preset. SANDBOX_OUT is relative to sandbox/; SANDBOX_RUN defaults to SANDBOX_OUT/run.
if [ -n "${SANDBOX_PRESET:-}" ]; then
  preset_file="$here/presets/$SANDBOX_PRESET.env"
  if [ ! -f "$preset_file" ]; then
    echo "sandbox: no preset $SANDBOX_PRESET; there are: $(cd "$here/presets" && ls -- *.env | sed 's/\.env$//' | tr '\n' ' ')" >&2
    exit 2
  fi
  while IFS='=' read -r key value; do
    case "$key" in '' | '#'*) continue ;; esac
    if [ -z "${!key:-}" ]; then export "$key=$value"; fi
  done <"$preset_file"
  case "${SANDBOX_OUT:-}" in /* | '') ;; *) SANDBOX_OUT="$here/$SANDBOX_OUT" ;; esac
  export SANDBOX_OUT SANDBOX_RUN="${SANDBOX_RUN:-$SANDBOX_OUT/run}"
fi
