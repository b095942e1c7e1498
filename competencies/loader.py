"""Loads the competency framework from content/source/competencies.yaml (upsert by code, idempotent).

Curricula, lessons and quiz items name competencies by code, so the framework loads before them
(`curricula.loader.load_curricula` calls it first)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from content.source_files import SOURCE_DIR, SourceError, citation_text, read_yaml
from content.upsert import LoadReport

from .models import Competency, Domain

FRAMEWORK_FILE = "competencies.yaml"
REQUIRED = ("code", "short_name", "domain", "description", "sources")


def load_competencies(references: dict[str, Any], report: LoadReport) -> dict[str, Competency]:
    """Create or update every competency of the framework file; returns them by code. A competency missing
    from the file is left as it is (certificates cite its code), never deleted."""
    path = SOURCE_DIR / FRAMEWORK_FILE
    data = read_yaml(path) or {}
    specs = data.get("competencies")
    if not isinstance(specs, list) or not specs:
        raise SourceError(f"{path}: 'competencies' must be a list of competencies")
    check_framework(specs, references, path)
    existing = {c.code: c for c in Competency.objects.all()}
    for position, spec in enumerate(specs):
        fields = {
            "short_name": str(spec["short_name"]).strip(),
            "description": " ".join(str(spec["description"]).split()),
            "domain": spec["domain"],
            "position": position,
            "sources": "\n".join(citation_text(entry, references) for entry in spec["sources"]),
        }
        digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()
        label = f"Competency {spec['code']}"
        competency = existing.get(spec["code"])
        if competency is None:
            existing[spec["code"]] = Competency.objects.create(code=spec["code"], source_hash=digest, **fields)
            report.note("created", label)
        elif competency.source_hash != digest:
            for name, value in fields.items():
                setattr(competency, name, value)
            competency.source_hash = digest
            competency.save(update_fields=[*fields, "source_hash"])
            report.note("updated", label)
        else:
            report.note("unchanged", label)
    return existing


def check_framework(specs: list[Any], references: dict[str, Any], path: Any) -> None:
    """Every entry complete, codes unique, a known domain, and at least one source that references.yaml
    defines; each fault named with its code."""
    domains = set(Domain.values)
    seen: set[str] = set()
    for number, spec in enumerate(specs, start=1):
        if not isinstance(spec, dict):
            raise SourceError(f"{path}: competency #{number} must be a mapping")
        name = spec.get("code") or f"#{number}"
        missing = [key for key in REQUIRED if not spec.get(key)]
        if missing:
            raise SourceError(f"{path}: competency {name}: missing {', '.join(missing)}")
        if spec["code"] in seen:
            raise SourceError(f"{path}: competency code {spec['code']} is used twice")
        seen.add(spec["code"])
        if len(str(spec["code"])) > 20 or len(str(spec["short_name"])) > 80:
            raise SourceError(f"{path}: competency {name}: code (20) or short name (80 characters) too long")
        if spec["domain"] not in domains:
            raise SourceError(
                f"{path}: competency {name}: unknown domain {spec['domain']!r}; use one of {', '.join(sorted(domains))}"
            )
        if not isinstance(spec["sources"], list):
            raise SourceError(f"{path}: competency {name}: sources must be a list of reference keys")
        for entry in spec["sources"]:
            key = entry.get("key") if isinstance(entry, dict) else entry
            if key not in references:
                raise SourceError(f"{path}: competency {name}: unknown reference key {key!r} (see references.yaml)")
