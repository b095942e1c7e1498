"""Reading content/source: markdown with YAML front matter, `:::` containers, and reference keys.

Plain functions, no database: the loader command turns their output into pages."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.utils.translation import gettext

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
                blocks.append(("vignette", {"title": container["title"] or gettext("Case story"), "body": text}))
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


# --- Translations (issue 24): content/source/<language>/ mirrors content/source/ -------------------------

# Human text a translation may (and should) give; everything else is an identifier that, when present, must
# equal the English (slugs, keys, codes, categories, references, lesson names, menu order).
TEXT_KEYS = frozenset(
    {
        "title", "seo_title", "menu_title", "summary", "intro", "key_points", "eligibility", "how_to_access",
        "organisation", "question", "answer", "note", "text", "feedback", "feedback_true", "feedback_false",
        "explanation", "vignette", "description",
    }
)  # fmt: skip
# Lists whose plain strings are text (the items of an ordering question), not identifiers.
TEXT_LISTS = frozenset({"items"})
# Scoring and quiz rules come only from the English bank: a translated quiz that carries them is refused.
QUIZ_RULE_KEYS = frozenset(
    {
        "correct", "answer", "points", "pass_mark", "max_attempts", "wait_minutes", "wait_after_failures",
        "review", "shuffle_options", "draw", "required", "type", "next",
    }
)  # fmt: skip


class _LineDict(dict):
    line = 0


class _LineList(list):
    line = 0


class _LineLoader(yaml.SafeLoader):
    """Remembers the line of each mapping and list, so a mismatch can be reported as file:line."""

    def construct_mapping(self, node, deep=False):
        mapping = _LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):
        sequence = _LineList(super().construct_sequence(node, deep=True))
        sequence.line = node.start_mark.line + 1
        return sequence


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)


def _load_with_lines(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SourceError(f"{path}: not valid YAML: {exc}") from None


def translation_path(path: Path, language: str) -> Path | None:
    """Where the translation of an English source file lives: the same relative path under <language>/
    (None for a file outside content/source, which has no translation)."""
    try:
        return SOURCE_DIR / language / path.relative_to(SOURCE_DIR)
    except ValueError:
        return None


def check_mirror(en: Any, tr: Any, *, path: Path, quiz: bool = False, offset: int = 0) -> None:
    """A translation has the English structure: the same keys (no others), lists of the same length, the same
    identifiers; only text differs. A quiz translation carries no scoring data. Raises SourceError with
    file:line."""

    def line(node: Any, fallback: int) -> int:
        return getattr(node, "line", 0) + offset if getattr(node, "line", 0) else fallback

    def walk(en: Any, tr: Any, where: str, at: int, key: str | None) -> None:
        if isinstance(tr, dict):
            here = line(tr, at)
            if not isinstance(en, dict):
                raise SourceError(f"{path}:{here}: {where or 'the file'} is a mapping; the English is not")
            for name, value in tr.items():
                label = f"{where}.{name}" if where else str(name)
                if quiz and name in QUIZ_RULE_KEYS:
                    raise SourceError(
                        f"{path}:{here}: {label}: scoring and quiz rules come only from the English bank "
                        "(remove it from the translation)"
                    )
                if name not in en:
                    raise SourceError(f"{path}:{here}: {label}: unknown key (the English has no {name!r} here)")
                if name in TEXT_KEYS and not isinstance(value, dict | list):
                    if value is not None and not isinstance(value, str | int | float):
                        raise SourceError(f"{path}:{here}: {label}: text expected")
                    continue
                if name in TEXT_KEYS and isinstance(value, list) and not isinstance(en[name], list):
                    raise SourceError(f"{path}:{here}: {label}: the English is not a list")
                if name in TEXT_KEYS and isinstance(value, list) and all(isinstance(v, str) for v in value):
                    continue  # e.g. key points: a translated list may say it in more or fewer points
                walk(en[name], value, label, here, str(name))
        elif isinstance(tr, list):
            here = line(tr, at)
            if not isinstance(en, list) or len(en) != len(tr):
                size = len(en) if isinstance(en, list) else "no"
                raise SourceError(f"{path}:{here}: {where}: {len(tr)} entries where the English has {size}")
            for index, (en_item, tr_item) in enumerate(zip(en, tr, strict=True)):
                if key in TEXT_LISTS and isinstance(tr_item, str) and isinstance(en_item, str):
                    continue
                walk(en_item, tr_item, f"{where}[{index + 1}]", here, None)
        elif tr != en:
            raise SourceError(
                f"{path}:{at}: {where}: {tr!r} differs from the English {en!r} (an identifier: keep it as in English)"
            )

    walk(en, tr, "", 1 + offset, None)


def merge_translation(en: Any, tr: Any) -> Any:
    """The English structure with the translation's text in place of the English text (a text the
    translation leaves out stays English). Identifiers and everything else come from the English."""
    if isinstance(en, dict) and isinstance(tr, dict):
        merged = dict(en)
        for name, value in tr.items():
            if name in TEXT_KEYS and (not isinstance(value, dict | list) or all(isinstance(v, str) for v in value)):
                merged[name] = value
            elif name in en:
                merged[name] = merge_translation(en[name], value)
        return merged
    if isinstance(en, list) and isinstance(tr, list) and len(en) == len(tr):
        return [
            t if isinstance(t, str) and isinstance(e, str) else merge_translation(e, t)
            for e, t in zip(en, tr, strict=True)
        ]
    return en


def read_translated_yaml(path: Path, english: Any, *, language: str, quiz: bool = False) -> tuple[Any, Any, str] | None:
    """The translation of a YAML source as (merged data, the translation's own data, digest of both files),
    or None when there is none. The translation's own data says which texts it gives (quiz texts fall back
    to English per field)."""
    source = translation_path(path, language)
    if source is None or not source.exists():
        return None
    own = _load_with_lines(source.read_text(encoding="utf-8"), source)
    if own is None:
        raise SourceError(f"{source}: empty translation file")
    check_mirror(english, own, path=source, quiz=quiz)
    return merge_translation(english, own), own, file_digest(path, source)


def read_translated_doc(english: SourceDoc, *, language: str) -> SourceDoc | None:
    """The translation of a markdown source: merged front matter, the translated body (or the English one
    when the translation has none), and a digest of both files."""
    source = translation_path(english.path, language)
    if source is None or not source.exists():
        return None
    text = source.read_text(encoding="utf-8")
    if not text.startswith("---"):
        raise SourceError(f"{source}:1: missing front matter (the file must start with ---)")
    try:
        _, front, body = text.split("---", 2)
    except ValueError:
        raise SourceError(f"{source}:1: front matter is not closed with ---") from None
    own = _load_with_lines(front, source) or {}
    check_mirror(english.meta, own, path=source)
    return SourceDoc(
        path=source,
        meta=merge_translation(english.meta, own),
        body=body.strip() or english.body,
        digest=file_digest(english.path, source),
    )
