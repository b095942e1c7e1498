"""No import cycles between any two modules of the project (issue 15, part 1), checked beside ``lint-imports``.

    python tools/import_cycles.py      # exit 1 and each cycle with its import lines, or "0 import cycles"

import-linter's contracts check layers and forbidden imports; this checks the whole graph (every import,
also inside functions) for strongly connected components, so a cycle between apps that no contract names is
caught too."""

from __future__ import annotations

import sys
from pathlib import Path

import grimp

PACKAGES = (
    "accounts",
    "agencies",
    "assessments",
    "certificates",
    "compliance",
    "config",
    "content",
    "curricula",
    "outbox",
)


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other, directly or through others (Tarjan, iterative)."""
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if i < len(targets):
                work.append((node, i + 1))
                target = targets[i]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    found = cycles(graph)
    for component in found:
        print("import cycle:", " <-> ".join(component))
        members = set(component)
        for importer in component:
            for imported in sorted(set(graph.find_modules_directly_imported_by(importer)) & members):
                lines = [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]
                print(f"    {importer} -> {imported} (line {', '.join(map(str, lines))})")
    print(f"{len(found)} import cycles")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
