"""Creating or updating one page from one source file: the primitive every loader (content, curricula)
builds on. It sits below the loaders so that they import it, never each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from wagtail.models import Locale, Page

from .source_files import SOURCE_DIR, body_blocks, citations, read_translated_doc, read_translated_yaml


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
    return upsert_page(
        parent,
        model,
        slug=doc.meta["slug"],
        digest=doc.digest,
        report=report,
        fields=doc_fields(doc, references=references, summary_key=summary_key, body=body, **fields),
    )


def doc_fields(doc, *, references: dict, summary_key: str, body: list | None = None, **fields: Any) -> dict[str, Any]:
    """The fields every page made from one markdown file has, the same for an English file and its translation."""
    summary = doc.meta.get(summary_key, "") or ""
    return {
        "title": doc.meta["title"],
        summary_key: summary,
        "body": body if body is not None else body_blocks(doc.body, path=doc.path),
        "references": citations(doc.meta.get("references"), references),
        "search_description": summary[:250],
        **fields,
    }


def translation_of(page: Page, *, locale: Locale, report: LoadReport) -> Page:
    """The page's translation in `locale`, created when missing as a copy (never an alias, so it can hold its
    own text), with the missing translations of its ancestors first. A copy made here keeps the English text
    until its own source file gives the translation."""
    existing = page.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    parent = page.get_parent()
    if parent is not None and not parent.is_root():
        translated_parent = translation_of(parent.specific, locale=locale, report=report)
        orphan = type(page).objects.child_of(translated_parent).filter(slug=page.slug).first()
        if orphan is not None:
            # The English page was deleted and loaded again (a new translation key): adopt its translation
            # rather than make a second one beside it.
            Page.objects.filter(pk=orphan.pk).update(translation_key=page.translation_key)
            orphan.translation_key = page.translation_key
            return orphan
    copy = page.copy_for_translation(locale).specific
    if page.live:
        publish(copy)
    report.note("created", f"{type(copy).__name__} /{locale.language_code}{page.url_path}")
    return copy


def upsert_translation(page: Page, *, locale: Locale, digest: str, fields: dict[str, Any], report: LoadReport) -> Page:
    """Create or update the translation of an English page from its translated source: the same fields as
    the English (`fields`, built from the merged source), live when the English is live. Unchanged sources
    (the digest covers the English and the translated file) are skipped."""
    target = translation_of(page, locale=locale, report=report)
    label = f"{type(target).__name__} /{locale.language_code}{page.url_path}"
    if target.source_hash == digest and target.live == page.live:
        report.note("unchanged", label)
        return target
    for name, value in fields.items():
        setattr(target, name, value)
    target.source_hash = digest
    if page.live:
        publish(target)
    else:
        target.save_revision()
    report.note("updated", label)
    return target


def translated_languages() -> list[str]:
    """The languages content is translated into: the site's languages other than the default (issue 24)."""
    default = settings.LANGUAGE_CODE.split("-")[0]
    return [code for code, _ in settings.LANGUAGES if code.split("-")[0] != default]


def translation_locales() -> list[Locale]:
    """The locales whose source folder (content/source/<language>/) exists."""
    return [
        Locale.objects.get_or_create(language_code=language)[0]
        for language in translated_languages()
        if (SOURCE_DIR / language).is_dir()
    ]


def translate_doc_page(page, doc, fields, report: LoadReport) -> None:
    """Create or update the translations of a page made from one markdown file, for every language whose
    source folder has that file (`fields` builds the page's fields from a source document)."""
    for locale in translation_locales():
        translated = read_translated_doc(doc, language=locale.language_code)
        if translated is not None:
            with translation.override(locale.language_code):
                values = fields(translated)
            upsert_translation(page, locale=locale, digest=translated.digest, fields=values, report=report)


def translate_yaml_page(page, path, data, fields, report: LoadReport):
    """The same for a page made from a YAML source file; returns {language: merged data} for its children."""
    merged = {}
    for locale in translation_locales():
        found = read_translated_yaml(path, data, language=locale.language_code)
        if found is not None:
            merged[locale.language_code] = {"data": found[0], "digest": found[2]}
            with translation.override(locale.language_code):
                values = fields(found[0])
            upsert_translation(page, locale=locale, digest=found[2], fields=values, report=report)
    return merged
