#!/usr/bin/env python3
"""Every metric the shipped alert rules and Grafana dashboard name must exist on a running
bridge's /metrics: a renamed metric would otherwise leave an alert that never fires and a panel
that stays empty. Usage: check-metric-names.py METRICS_URL FILE... (scripts/smoke-demo runs it
against the demo). A histogram's _bucket/_sum/_count series count under its own name.
Exit 1, naming the missing metrics and where they are used."""
import re
import sys
import urllib.request

url, files = sys.argv[1], sys.argv[2:]
text = urllib.request.urlopen(url, timeout=10).read().decode()
exported = set()
for line in text.splitlines():
    if line.startswith("# TYPE ") or line.startswith("# HELP "):
        exported.add(line.split()[2])
    elif line and not line.startswith("#"):
        exported.add(re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0))
missing = {}
named = set()
for path in files:
    for name in re.findall(r"\bvb_[a-z0-9_]+", open(path).read()):
        named.add(name)
        if name not in exported:
            missing.setdefault(name, []).append(path)
for name, paths in sorted(missing.items()):
    print(f"metric {name} (used in {', '.join(sorted(set(paths)))}) is not on {url}")
print(f"{len(named)} metric names checked in {len(files)} file(s): {len(missing)} missing")
sys.exit(1 if missing else 0)
