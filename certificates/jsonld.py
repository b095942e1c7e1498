"""JSON-LD canonicalisation with a static document loader: the contexts a credential names are read from
files vendored in `certificates/contexts/`, never fetched, so signing works offline and a changed context
on the web cannot change what our signatures cover."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld  # type: ignore[import-untyped]  # PyLD ships no type information

CONTEXT_DIR = Path(__file__).resolve().parent / "contexts"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OPEN_BADGES_V3: "ob-context-3.0.3.json",
}


class UnknownContext(ValueError):
    """A document named a context we do not hold: refused rather than fetched."""


@cache
def _context(url: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((CONTEXT_DIR / CONTEXT_FILES[url]).read_text(encoding="utf-8"))
    return loaded


def static_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: the vendored copy of a known context, or an error; no network."""
    if url not in CONTEXT_FILES:
        raise UnknownContext(f"Context {url} is not vendored; refusing to fetch it.")
    return {"contextUrl": None, "documentUrl": url, "document": _context(url)}


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document: what a Data Integrity proof signs.
    A term neither context defines is dropped, i.e. not signed: `undefined_terms` finds such keys."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": static_loader}
    result: str = jsonld.normalize(document, options)
    return result


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {k for k in value if k != "@context"} | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for item in value for k in _keys(item)}
    return set()


def undefined_terms(document: dict[str, Any]) -> set[str]:
    """Keys the contexts do not define. Expansion drops them, so they would travel unsigned and mean nothing
    to a verifier: compacting the expanded document again shows which keys did not survive."""
    options = {"documentLoader": static_loader}
    expanded = jsonld.expand(document, options)
    compacted = jsonld.compact(expanded, {"@context": document["@context"]}, options)
    return _keys(document) - _keys(compacted)
