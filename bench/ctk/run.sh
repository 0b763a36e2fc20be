#!/usr/bin/env bash
# Run the Chaos Toolkit peer once; print wall time, time-to-fire and time-to-resolve from its journal.
# Usage: PROM_URL=http://127.0.0.1:19090 TARGET=<project>-redis-1 ALERT=BenchRedisDown bench/ctk/run.sh (make bench runs it)
set -u
here=$(cd "$(dirname "$0")" && pwd); venv=${CTK_VENV:-$HOME/.cache/ctk-venv}
[ -x "$venv/bin/chaos" ] || { python3 -m venv "$venv" && "$venv/bin/pip" -q install chaostoolkit httpx; }
out=$(mktemp -d); start=$(date +%s.%N)
( cd "$here" && PYTHONPATH="$here" "$venv/bin/chaos" --no-log-file run --journal-path "$out/journal.json" redis-outage.json >"$out/log" 2>&1 )
rc=$?; end=$(date +%s.%N)
python3 - "$out/journal.json" "$start" "$end" "$rc" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); wall = float(sys.argv[3]) - float(sys.argv[2])
runs = {r["activity"]["name"]: r for r in j["run"]}
get = lambda n: runs.get(n, {}).get("output")
ok = all(r["status"] == "succeeded" for r in j["run"])
print(json.dumps({"tool": "chaostoolkit", "rc": int(sys.argv[4]), "status": j["status"], "all_activities_ok": ok,
                  "wall_s": round(wall, 2), "ttf_s": get("wait-firing"), "ttr_s": get("wait-resolved")}))
PY
