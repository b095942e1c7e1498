"""Turns content/source into published Wagtail pages and quizzes. Idempotent: each page remembers the
hash of its source; an unchanged source is skipped, a changed one is updated in place (new revision).

This is the top of the loading: it calls the curricula and quiz loaders, which build on `content.upsert`
(never on this module), so the loaders form no cycle."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from wagtail.models import Locale, Page, Site

from agencies.models import ServiceCategory
from assessments.loader import load_quizzes
from curricula.loader import load_curricula

from .models import FaqPage, HomePage, ResourceIndexPage, ResourcePage, StandardPage
from .source_files import (
    SOURCE_DIR,
    body_blocks,
    citations,
    file_digest,
    load_references,
    read_doc,
    read_translated_doc,
    read_yaml,
)
from .upsert import (
    LoadReport,
    doc_fields,
    publish,
    translate_doc_page,
    translate_yaml_page,
    translation_locales,
    upsert_page,
    upsert_translation,
)

SERVICE_CATEGORIES = {
    "MCM": ("Medical Case Management", "Client-centred services that link clients with health care and support."),
    "NMCM": ("Non-Medical Case Management", "Guidance and help to reach medical, social, legal and other services."),
    "NMCM-SUD": (
        "Non-Medical Case Management targeting substance use disorders",
        "NMCM for people living with HIV who have a substance use disorder.",
    ),
    "CCMS": ("Clinical case management/supervision", "The Clinical Case Manager/Supervisor role."),
}


def ensure_wagtail_base() -> None:
    """Wagtail's data migrations create a locale and a root page; a flushed database (e.g. after a
    transactional test) has neither, so recreate them the same way."""
    if not Locale.objects.exists():
        Locale.objects.create(language_code="en")
    translation_locales()
    if not Page.get_root_nodes().exists():
        Page.add_root(instance=Page(title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)))


def home_fields(doc) -> dict:
    return {
        "title": doc.meta["title"],
        "intro": doc.meta.get("intro", ""),
        "body": body_blocks(doc.body, path=doc.path),
        "seo_title": doc.meta.get("seo_title", ""),
    }


def ensure_home(report: LoadReport) -> HomePage:
    ensure_wagtail_base()
    home = HomePage.objects.filter(locale=Locale.get_default()).first()
    doc = read_doc(SOURCE_DIR / "home.md")
    fields = home_fields(doc)
    root = Page.get_first_root_node()
    if home is None:
        # Wagtail's own placeholder welcome page takes the "home" slug; our home replaces it.
        for placeholder in root.get_children().exclude(content_type__model="homepage"):
            if placeholder.specific_class is Page:
                placeholder.delete()
        home = upsert_page(root, HomePage, slug="home", digest=doc.digest, fields=fields, report=report)
    elif home.source_hash != doc.digest:
        for name, value in fields.items():
            setattr(home, name, value)
        home.source_hash = doc.digest
        publish(home)
        report.note("updated", "HomePage /")
    else:
        report.note("unchanged", "HomePage /")
    site = (
        Site.objects.filter(is_default_site=True).first()
        or Site.objects.filter(hostname="localhost", port=80).first()
        or Site(hostname="localhost", port=80)
    )
    if site.pk is None or site.root_page_id != home.pk or not site.is_default_site:
        site.root_page = home
        site.site_name = "CMTP Learn"
        site.is_default_site = True
        site.save()
    for locale in translation_locales():
        translated = read_translated_doc(doc, language=locale.language_code)
        if translated is not None:
            with translation.override(locale.language_code):
                fields = home_fields(translated)
            upsert_translation(home, locale=locale, digest=translated.digest, fields=fields, report=report)
    return home


def load_service_categories() -> None:
    for code, (name, description) in SERVICE_CATEGORIES.items():
        ServiceCategory.objects.update_or_create(code=code, defaults={"name": name, "description": description})


def load_standard_pages(home: HomePage, references: dict, report: LoadReport) -> None:
    def fields(doc) -> dict:
        return doc_fields(
            doc,
            references=references,
            summary_key="intro",
            show_in_menus=bool(doc.meta.get("menu", False)),
            menu_order=int(doc.meta.get("menu_order", 100)),
            menu_title=doc.meta.get("menu_title", "") or "",
        )

    for path in sorted((SOURCE_DIR / "pages").glob("*.md")):
        doc = read_doc(path)
        page = upsert_page(
            home, StandardPage, slug=doc.meta["slug"], digest=doc.digest, fields=fields(doc), report=report
        )
        translate_doc_page(page, doc, fields, report)


def load_resources(home: HomePage, references: dict, report: LoadReport) -> None:
    index_source = SOURCE_DIR / "resources.yaml"
    meta = read_yaml(index_source)

    def index_fields(data: dict) -> dict:
        return {"title": data["title"], "intro": data.get("intro", "")}

    index = upsert_page(
        home,
        ResourceIndexPage,
        slug="resources",
        digest=file_digest(index_source),
        report=report,
        fields=index_fields(meta),
    )
    translate_yaml_page(index, index_source, meta, index_fields, report)

    def fields(doc) -> dict:
        return doc_fields(
            doc,
            references=references,
            summary_key="summary",
            category=doc.meta["category"],
            organisation=doc.meta.get("organisation", "") or "",
            eligibility=doc.meta.get("eligibility", "") or "",
            how_to_access=doc.meta.get("how_to_access", "") or "",
            link=doc.meta.get("link", "") or "",
        )

    for path in sorted((SOURCE_DIR / "resources").glob("*.md")):
        doc = read_doc(path)
        page = upsert_page(
            index, ResourcePage, slug=doc.meta["slug"], digest=doc.digest, fields=fields(doc), report=report
        )
        translate_doc_page(page, doc, fields, report)


def load_faq(home: HomePage, references: dict, report: LoadReport) -> None:
    path = SOURCE_DIR / "faq.yaml"
    data = read_yaml(path)

    def fields(data: dict) -> dict:
        items = [
            (
                "item",
                {
                    "question": item["question"],
                    "answer": item["answer"],
                    "references": [value for _, value in citations(item.get("references"), references)],
                },
            )
            for item in data["items"]
        ]
        return {"title": data["title"], "intro": data.get("intro", ""), "items": items}

    page = upsert_page(home, FaqPage, slug="faq", digest=file_digest(path), report=report, fields=fields(data))
    translate_yaml_page(page, path, data, fields, report)


@transaction.atomic
def load_all() -> LoadReport:
    """Load every source file. Raises SourceError (nothing written) on a malformed file."""
    with translation.override(settings.LANGUAGE_CODE):
        return _load_all()


def _load_all() -> LoadReport:
    report = LoadReport()
    references = load_references()
    load_service_categories()
    home = ensure_home(report)
    load_standard_pages(home, references, report)
    load_resources(home, references, report)
    load_faq(home, references, report)
    load_curricula(home, references, report)
    load_quizzes(references, report)
    cache.delete("main-menu")
    return report
