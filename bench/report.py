"""Print benchmark result files as one Markdown table, side by side (for docs/performance.md).

.venv/bin/python bench/report.py bench/results/postgres-scale1-before.json bench/results/postgres-scale1.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def table(paths: list[Path]) -> str:
    runs = [json.loads(p.read_text()) for p in paths]
    names: list[str] = []
    for run in runs:
        names += [r["name"] for r in run["results"] if r["name"] not in names]
    header = "| operation | " + " | ".join(f"{p.stem}: median / p95 ms (queries)" for p in paths) + " |"
    lines = [header, "|---" * (len(paths) + 1) + "|"]
    for name in names:
        cells = []
        for run in runs:
            found = next((r for r in run["results"] if r["name"] == name), None)
            if found is None:
                cells.append("")
                continue
            peak = f", peak {found['peak_mb']:.1f} MB" if found.get("peak_mb") else ""
            cells.append(f"{found['median_ms']:.0f} / {found['p95_ms']:.0f} ({found['queries']}{peak})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table([Path(arg) for arg in sys.argv[1:]]))
