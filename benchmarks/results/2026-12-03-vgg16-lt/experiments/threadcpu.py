#!/usr/bin/python3
"""CPU seconds per thread group of PID over SECONDS: python3 threadcpu.py PID SECONDS"""
import os, sys, time, re, collections
pid, secs = sys.argv[1], float(sys.argv[2])
tick = os.sysconf('SC_CLK_TCK')
def snap():
    out = {}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            comm = open(f'/proc/{pid}/task/{t}/comm').read().strip()
            f = open(f'/proc/{pid}/task/{t}/stat').read().rsplit(')', 1)[1].split()
            out[t] = (comm, int(f[11]) + int(f[12]))
        except OSError:
            pass
    return out
def group(n):
    n = re.sub(r'[-_]?\d+$', '', n)
    n = re.sub(r'\d+', '#', n)
    return n
a = snap(); t0 = time.time(); time.sleep(secs); b = snap(); dt = time.time() - t0
g = collections.Counter()
for t, (comm, v) in b.items():
    g[group(comm)] += (v - a.get(t, (comm, 0))[1]) / tick
tot = sum(g.values())
print(f'total {tot/dt:.2f} cores over {dt:.1f}s')
for k, v in g.most_common(25):
    print(f'{v/dt:6.3f} {k}')
