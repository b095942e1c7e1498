"""Creating or updating one page from one source file: the primitive every loader (content, curricula)
builds on. It sits below the loaders so that they import it, never each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wagtail.models import Page

from .source_files import body_blocks, citations


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def note(self, action: str, label: str) -> None:
        getattr(self, action).append(label)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def publish(page: Page) -> None:
    page.save_revision().publish()


def upsert_page(
    parent: Page, model: type[Page], *, slug: str, digest: str, fields: dict[str, Any], report: LoadReport
) -> Page:
    """Create the child page with this slug, or update it when its source changed."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    label = f"{model.__name__} {parent.url_path}{slug}/"
    if existing is not None and existing.source_hash == digest and existing.live:
        report.note("unchanged", label)
        return existing
    if existing is None:
        page = model(slug=slug, source_hash=digest, **fields)
        parent.add_child(instance=page)
        publish(page)
        report.note("created", label)
        return page
    for name, value in fields.items():
        setattr(existing, name, value)
    existing.source_hash = digest
    publish(existing)
    report.note("updated", label)
    return existing


def upsert_doc_page(
    parent: Page,
    model: type[Page],
    doc,
    *,
    references: dict,
    report: LoadReport,
    summary_key: str,
    body: list | None = None,
    **fields: Any,
) -> Page:
    """A page made from one markdown source file: title, body, references and search text come from the
    file the same way for every page type; `fields` adds what is particular to the type."""
    summary = doc.meta.get(summary_key, "") or ""
    return upsert_page(
        parent,
        model,
        slug=doc.meta["slug"],
        digest=doc.digest,
        report=report,
        fields={
            "title": doc.meta["title"],
            summary_key: summary,
            "body": body if body is not None else body_blocks(doc.body, path=doc.path),
            "references": citations(doc.meta.get("references"), references),
            "search_description": summary[:250],
            **fields,
        },
    )
