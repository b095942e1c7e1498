"""Reading content/source: markdown with YAML front matter, `:::` containers, and reference keys.

Plain functions, no database: the loader command turns their output into pages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SOURCE_DIR = Path(__file__).resolve().parent / "source"
_CONTAINER = re.compile(r'^:::\s*(callout|vignette)\s*(info|tip|warning)?\s*(?:"([^"]*)")?\s*$')


class SourceError(ValueError):
    """A source file that cannot be loaded; the message names the file and the problem."""


@dataclass
class SourceDoc:
    path: Path
    meta: dict[str, Any]
    body: str
    digest: str


def file_digest(*paths: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.read_bytes())
    return sha.hexdigest()


def read_doc(path: Path) -> SourceDoc:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        raise SourceError(f"{path}: missing front matter (the file must start with ---)")
    try:
        _, front, body = text.split("---", 2)
    except ValueError:
        raise SourceError(f"{path}: front matter is not closed with ---") from None
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: front matter is not valid YAML: {exc}") from None
    return SourceDoc(path=path, meta=meta, body=body.strip(), digest=file_digest(path))


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not valid YAML: {exc}") from None


def body_blocks(body: str, *, path: Path | None = None) -> list[tuple[str, Any]]:
    """Split markdown into StreamField blocks: plain markdown runs, callouts and vignettes."""
    blocks: list[tuple[str, Any]] = []
    buffer: list[str] = []
    container: dict[str, Any] | None = None

    def flush_markdown() -> None:
        text = "\n".join(buffer).strip()
        if text:
            blocks.append(("markdown", text))
        buffer.clear()

    for line in body.splitlines():
        stripped = line.strip()
        match = _CONTAINER.match(stripped)
        if container is None and match:
            flush_markdown()
            container = {"type": match.group(1), "kind": match.group(2) or "info", "title": match.group(3) or ""}
            continue
        if container is not None and stripped == ":::":
            text = "\n".join(buffer).strip()
            buffer.clear()
            if container["type"] == "callout":
                blocks.append(("callout", {"kind": container["kind"], "title": container["title"], "body": text}))
            else:
                blocks.append(("vignette", {"title": container["title"] or "Case story", "body": text}))
            container = None
            continue
        buffer.append(line)
    if container is not None:
        raise SourceError(f"{path}: a ::: {container['type']} container is not closed")
    flush_markdown()
    return blocks


def load_references() -> dict[str, dict[str, Any]]:
    return read_yaml(SOURCE_DIR / "references.yaml") or {}


def citation_for(entry: Any, references: dict[str, dict[str, Any]]) -> dict[str, str]:
    """A reference entry (a key, or {key, note}) as a ReferenceBlock value."""
    if isinstance(entry, str):
        key, note = entry, ""
    elif isinstance(entry, dict) and "key" in entry:
        key, note = entry["key"], str(entry.get("note") or "")
    else:
        raise SourceError(f"Reference entry {entry!r} must be a key or {{key, note}}")
    ref = references.get(key)
    if ref is None:
        raise SourceError(f"Unknown reference key {key!r}: add it to references.yaml")
    parts = [ref.get("publisher"), ref.get("title"), str(ref["year"]) if ref.get("year") else None]
    citation = ", ".join(p for p in parts if p)
    return {"citation": citation, "note": note, "url": ref.get("url") or ""}


def citations(entries: list[Any] | None, references: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    return [("reference", citation_for(entry, references)) for entry in entries or []]


def citation_text(entry: Any, references: dict[str, dict[str, Any]]) -> str:
    value = citation_for(entry, references)
    return f"{value['citation']}" + (f" ({value['note']})" if value["note"] else "")
