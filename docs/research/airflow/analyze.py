"""analyze.py <dagrun.csv> <ti.csv> [container_started_iso] [since_iso]
CSV from the metadata DB (pipe-separated):
 dag_run: run_id|run_type|state|queued_at|start_date|end_date
 task_instance: run_id|task_id|state|queued_dttm|start_date|end_date"""
import sys, statistics as st
from datetime import datetime, timezone
def ts(s):
    if not s: return None
    s = s.strip().replace('T', ' ')
    if s.endswith('Z'): s = s[:-1]
    if '+' in s[10:]: s = s[:s.rindex('+')]
    if '.' in s:
        a, b = s.split('.'); s = a + '.' + (b + '000000')[:6]
    else: s += '.000000'
    return datetime.strptime(s, '%Y-%m-%d %H:%M:%S.%f').replace(tzinfo=timezone.utc).timestamp()
def q(xs):
    xs = sorted(xs)
    if not xs: return 'n/a'
    p = lambda f: xs[min(len(xs)-1, int(round(f*(len(xs)-1))))]
    return f"n={len(xs)} min={xs[0]:.2f} p50={p(.5):.2f} p90={p(.9):.2f} max={xs[-1]:.2f} mean={st.mean(xs):.2f}"
runs = [l.rstrip('\n').split('|') for l in open(sys.argv[1]) if l.strip()]
tis = [l.rstrip('\n').split('|') for l in open(sys.argv[2]) if l.strip()]
since = ts(sys.argv[4]) if len(sys.argv) > 4 else 0
runs = [r for r in runs if r[1] == 'scheduled' and ts(r[4]) and ts(r[4]) >= since]
runs.sort(key=lambda r: ts(r[4]))
keep = {r[0] for r in runs}
starts = [ts(r[4]) for r in runs]
print("dag runs:", len(runs), "states:", {s: sum(1 for r in runs if r[2] == s) for s in set(r[2] for r in runs)})
print("run start interval s:", q([b - a for a, b in zip(starts, starts[1:])]))
print("run duration s      :", q([ts(r[5]) - ts(r[4]) for r in runs if r[5]]))
print("run queued->start s :", q([ts(r[4]) - ts(r[3]) for r in runs if r[3]]))
for t in ('fetch', 'load', 'push'):
    rows = [x for x in tis if x[1] == t and x[0] in keep and x[4] and x[3]]
    print(f"{t:5} queued->start s:", q([ts(x[4]) - ts(x[3]) for x in rows]))
    print(f"{t:5} duration s     :", q([ts(x[5]) - ts(x[4]) for x in rows if x[5]]))
if len(sys.argv) > 3 and sys.argv[3]:
    c0 = ts(sys.argv[3])
    allr = sorted([l.rstrip('\n').split('|') for l in open(sys.argv[1]) if l.strip()], key=lambda r: ts(r[4]) or 9e99)
    done = [ts(r[5]) for r in allr if r[2] == 'success' and r[5]]
    if done: print(f"container start -> first run success: {min(done) - c0:.1f} s; first run start: {ts(allr[0][4]) - c0:.1f} s")
