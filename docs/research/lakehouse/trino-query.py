#!/usr/bin/env python3
"""Minimal Trino REST client: POST /v1/statement then follow nextUri. usage: trino-query.py 'SQL'"""
import json, sys, time, urllib.request
def req(url, data=None, method="GET"):
    r = urllib.request.Request(url, data=data, method=method, headers={"X-Trino-User": "chaos"})
    return json.load(urllib.urlopen(r) if False else urllib.request.urlopen(r))
t0 = time.time()
res = req("http://127.0.0.1:8080/v1/statement", sys.argv[1].encode(), "POST")
rows, states = [], []
while True:
    st = res.get("stats", {}).get("state")
    if not states or states[-1] != st: states.append(st); print(f"{time.time()-t0:6.2f}s state={st} id={res.get('id')}", flush=True)
    rows += res.get("data", [])
    if "error" in res: print("ERROR", res["error"]["message"]); break
    if "nextUri" not in res: break
    time.sleep(0.1)
    res = req(res["nextUri"])
print(json.dumps(rows[:5]), f"rows={len(rows)} t={time.time()-t0:.2f}s")
