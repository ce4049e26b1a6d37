"""`make demo`: show the sandbox and each proxy's cache mode, as an operator would check it."""

import json
import os
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "endpoints.json"), encoding="utf-8") as f:
        ep = json.load(f)
    r = ep["redis"]
    print(f"Redis      redis://{r['host']}:{r['port']}/{r['db']}  (password in {r['password_file']})")
    print(f"Inventory  {ep['inventory']}")
    for p in ep["proxies"]:
        with urllib.request.urlopen(p["url"] + "/health/readiness", timeout=5) as resp:
            ready = json.loads(resp.read())
        print(
            f"Proxy      {p['name']:10} {p['url']}  container={p['container']}  LiteLLM {p['version']}  "
            f"status={ready.get('status')}  cache={ready.get('cache')}  config={p['config_path']}"
        )


if __name__ == "__main__":
    main()
