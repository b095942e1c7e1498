"""House rules that ruff cannot express, checked by ``./run.sh test`` (issue 15, part 4).

    python tools/house_rules.py [ROOT]      # exit 1 and one ``path:line: [rule] message`` per violation

Rules (docs/architecture.md names their reasons):

``safe``
    No ``|safe``, ``|safeseq``, ``{% filter safe %}`` or ``{% autoescape off %}`` in templates: author text
    reaches HTML only through a sanitising filter. A ``|safe`` is accepted only after one of
    ``SANITISED_FILTERS`` (whose output is already cleaned, so ``|safe`` there is redundant but harmless).
    In Python, ``mark_safe``/``SafeString(...)`` only in the sanitisers listed in ``MARK_SAFE_ALLOWED``.
    Plain-text templates (``.txt`` emails) are not HTML and are not checked.
``save``
    In hot-path modules (``HOT_PATH_MODULES``: the services and flows of the learning core) a model
    ``.save()`` names its ``update_fields``, so concurrent writers do not overwrite each other's columns.
    Accepted without them: ``force_insert=True``; the first save of a name bound in the same function to a
    constructor call (``x = Model(...)``, a class name starts with a capital), which is an INSERT; a call
    carrying a ``# why:`` comment on its line or the line above. Calls with positional arguments
    (``storage.save(name, content)``, ``file.save(name, data, save=False)``) are not model saves.
``import``
    No import inside a function without a ``# why:`` comment on its line or the line above; a run of
    consecutive imports shares the comment above its first line.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Filters whose output is sanitised HTML (bleach with an allowlist), with where the sanitising happens.
SANITISED_FILTERS = {
    "markdown",  # content/templatetags/content_tags.py -> content.sanitize.render_markdown (bleach allowlist)
}
# Where Python may mark a string safe: each returns bleach-cleaned HTML ("*": the whole module).
MARK_SAFE_ALLOWED = {
    ("content/sanitize.py", "*"),  # render_markdown: author markdown cleaned with bleach's allowlist
    ("assessments/presenters.py", "render_inline"),  # render_markdown's output cleaned again to inline tags
}

# The learning core's write paths: many requests write these rows at once.
HOT_PATH_APPS = ("curricula", "assessments", "certificates", "agencies", "compliance", "completion")
# services and flows (completion, the receivers that join completion and certificates), and agencies' split
# services (invitations, roster import).
HOT_PATH_NAMES = ("services", "flows", "completion", "receivers", "invitations", "roster_import")

# Python code held to the import rule: the apps, config and these tools (tests and bench are scripts).
NOT_APP_DIRS = {"tests", "bench", "site", "docs", "templates", "requirements", "node_modules"}

WHY = re.compile(r"#\s*why:", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Violation:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


def is_hot_path(rel: str) -> bool:
    """``<app>/services.py``, ``<app>/services/x.py`` and the like for the apps of the learning core."""
    parts = Path(rel).with_suffix("").parts
    if len(parts) < 2 or parts[0] not in HOT_PATH_APPS:
        return False
    return parts[1] in HOT_PATH_NAMES


# ---- templates ---------------------------------------------------------------------------------------------

_TAG = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)
_STRING = re.compile(r"\"[^\"]*\"|'[^']*'")


def _filters(expression: str) -> list[str]:
    """Filter names of one ``{{ value|a|b:"x" }}`` expression, in order (string literals blanked first)."""
    bare = _STRING.sub('""', expression)
    return [part.split(":", 1)[0].strip() for part in bare.split("|")[1:]]


def check_template(rel: str, text: str) -> list[Violation]:
    found = []
    for match in _TAG.finditer(text):
        tag = match.group(0)
        line = text.count("\n", 0, match.start()) + 1
        inner = tag[2:-2].strip()
        words = _STRING.sub('""', inner).split()
        if tag.startswith("{%") and words[:2] == ["autoescape", "off"]:
            found.append(Violation(rel, line, "safe", "{% autoescape off %}: escape author text, never switch it off"))
            continue
        if tag.startswith("{%") and words[:1] == ["filter"]:
            chain = ["filter-tag", *" ".join(words[1:]).split("|")]
            names = [name.split(":", 1)[0].strip() for name in chain]
        else:
            names = _filters(inner)
        for index, name in enumerate(names):
            if name in ("safe", "safeseq") and not SANITISED_FILTERS.intersection(names[:index]):
                found.append(
                    Violation(
                        rel,
                        line,
                        "safe",
                        f"|{name} on unsanitised text in {tag.strip()!r}: use a sanitising filter "
                        f"({', '.join(sorted(SANITISED_FILTERS))}) instead",
                    )
                )
    return found


# ---- Python ------------------------------------------------------------------------------------------------


def _has_why(lines: list[str], lineno: int) -> bool:
    """A ``# why:`` comment on line ``lineno`` (1-based) or on the line just above it."""
    here = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    above = lines[lineno - 2] if 1 < lineno <= len(lines) + 1 else ""
    return bool(WHY.search(here) or (above.strip().startswith("#") and WHY.search(above)))


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _own_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    """Nodes of a function's body, without descending into nested functions or classes (checked on their own)."""
    stack: list[ast.AST] = list(reversed(function.body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def check_function_imports(rel: str, tree: ast.AST, lines: list[str]) -> list[Violation]:
    found = []
    for function in _functions(tree):
        imports = sorted(
            (node for node in _own_nodes(function) if isinstance(node, ast.Import | ast.ImportFrom)),
            key=lambda node: node.lineno,
        )
        covered_until = 0  # last line of a run of imports that a `# why:` above its first line covers
        for node in imports:
            end = node.end_lineno or node.lineno
            if _has_why(lines, node.lineno) or any(WHY.search(lines[n - 1]) for n in range(node.lineno, end + 1)):
                covered_until = end
                continue
            if covered_until and node.lineno == covered_until + 1:
                covered_until = end
                continue
            found.append(
                Violation(
                    rel,
                    node.lineno,
                    "import",
                    f"'{ast.unparse(node)}' inside {function.name}() needs a '# why:' comment",
                )
            )
    return found


def _is_constructor(value: ast.expr) -> bool:
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return name[:1].isupper()


def check_saves(rel: str, tree: ast.AST, lines: list[str]) -> list[Violation]:
    found = []
    for function in _functions(tree):
        events: list[tuple[int, int, str, ast.AST]] = []  # (line, col, kind, node) in source order
        for node in _own_nodes(function):
            if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
                events.append((node.lineno, node.col_offset, "assign", node))
            elif isinstance(node, ast.For | ast.AsyncFor | ast.With | ast.AsyncWith):
                events.append((node.lineno, node.col_offset, "bind", node))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "save":
                events.append((node.lineno, node.col_offset, "save", node))
        fresh: set[str] = set()  # names bound to a constructor call and not yet saved
        for _line, _col, kind, node in sorted(events, key=lambda event: event[:2]):
            if kind == "assign":
                assert isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.NamedExpr)
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                creates = isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
                for target in targets:
                    if isinstance(target, ast.Name):
                        if creates and node.value is not None and _is_constructor(node.value):
                            fresh.add(target.id)
                        else:
                            fresh.discard(target.id)
                continue
            if kind == "bind":
                assert isinstance(node, ast.For | ast.AsyncFor | ast.With | ast.AsyncWith)
                bound: list[ast.AST] = (
                    [node.target]
                    if isinstance(node, ast.For | ast.AsyncFor)
                    else [item.optional_vars for item in node.items if item.optional_vars]
                )
                for bound_target in bound:
                    for name in ast.walk(bound_target):
                        if isinstance(name, ast.Name):
                            fresh.discard(name.id)
                continue
            call = node
            assert isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
            if call.args:
                continue  # storage/file saves take positional arguments; Model.save() takes none
            keywords = {keyword.arg: keyword.value for keyword in call.keywords}
            if "update_fields" in keywords:
                continue
            force_insert = keywords.get("force_insert")
            if isinstance(force_insert, ast.Constant) and force_insert.value is True:
                continue
            receiver = call.func.value
            if isinstance(receiver, ast.Name) and receiver.id in fresh:
                fresh.discard(receiver.id)
                continue
            if _has_why(lines, call.lineno):
                continue
            found.append(
                Violation(
                    rel,
                    call.lineno,
                    "save",
                    f"{ast.unparse(call)} in {function.name}() on a hot path: name update_fields "
                    "(or say '# why:' a full save is right)",
                )
            )
    return found


def check_mark_safe(rel: str, tree: ast.AST) -> list[Violation]:
    if (rel, "*") in MARK_SAFE_ALLOWED:
        return []
    allowed_functions = {name for path, name in MARK_SAFE_ALLOWED if path == rel}
    allowed_nodes = {
        id(node) for function in _functions(tree) if function.name in allowed_functions for node in ast.walk(function)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and id(node) not in allowed_nodes:
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in ("mark_safe", "SafeString"):
                found.append(
                    Violation(rel, node.lineno, "safe", f"{name}() outside the sanitisers in MARK_SAFE_ALLOWED")
                )
    return found


def check_python(rel: str, text: str) -> list[Violation]:
    tree = ast.parse(text, filename=rel)
    lines = text.splitlines()
    found = check_function_imports(rel, tree, lines) + check_mark_safe(rel, tree)
    if is_hot_path(rel):
        found += check_saves(rel, tree, lines)
    return found


# ---- the tree ----------------------------------------------------------------------------------------------


def app_dirs(root: Path) -> list[Path]:
    """Top-level Python packages of the project (the Django apps, config, tools)."""
    return sorted(
        path
        for path in root.iterdir()
        if path.is_dir()
        and (path / "__init__.py").exists()
        and path.name not in NOT_APP_DIRS
        and not path.name.startswith(".")
    )


def python_files(root: Path) -> Iterable[Path]:
    for app in app_dirs(root):
        for path in sorted(app.rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def template_files(root: Path) -> Iterable[Path]:
    candidates = [root / "templates", *(app / "templates" for app in app_dirs(root))]
    for folder in candidates:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                # Plain-text templates (emails) are not HTML: escaping there would only garble them.
                if path.is_file() and path.suffix in (".html", ".xml", ".svg"):
                    yield path


def check_tree(root: Path) -> list[Violation]:
    found: list[Violation] = []
    for path in python_files(root):
        found += check_python(path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
    for path in template_files(root):
        found += check_template(path.relative_to(root).as_posix(), path.read_text(encoding="utf-8"))
    return sorted(found)


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    found = check_tree(root)
    for violation in found:
        print(violation)
    if found:
        print(f"house rules: {len(found)} violation(s); see tools/house_rules.py for each rule", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
