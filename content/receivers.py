"""What invalidates the page cache: every change to something a public page shows (`content.page_cache`).

Pages: publish, unpublish, move, slug change, and any save or delete of a page (a revision saved over a live
page, the loader, scheduled publishing); who may view a page (view restrictions); sites and locales; site
and generic settings; every snippet (FAQ and menu snippets, if any, and whatever a page may show); images and
documents. Learner activity (progress, attempts, certificates) touches none of these, so it never empties the
cache. Connected in `ContentConfig.ready`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
from wagtail.documents.models import AbstractDocument
from wagtail.images.models import AbstractImage
from wagtail.models import BaseViewRestriction, Locale, Page, Site
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

from . import page_cache

SHOWN_ON_PUBLIC_PAGES: tuple[type[Model], ...] = (
    Page,
    BaseViewRestriction,
    Site,
    Locale,
    BaseSiteSetting,
    BaseGenericSetting,
    AbstractImage,
    AbstractDocument,
)
_decided: dict[type[Model], bool] = {}


def is_shown_on_public_pages(model: type[Model]) -> bool:
    """Decided once per model class (snippets are registered by the time any model is saved)."""
    if model not in _decided:
        _decided[model] = issubclass(model, SHOWN_ON_PUBLIC_PAGES) or model in get_snippet_models()
    return _decided[model]


def content_changed(*, using: str | None = None, **kwargs: Any) -> None:
    page_cache.invalidate(using=using or "default")


def model_changed(sender: type[Model], *, using: str | None = None, **kwargs: Any) -> None:
    if is_shown_on_public_pages(sender):
        page_cache.invalidate(using=using or "default")


def connect() -> None:
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(content_changed, dispatch_uid=f"page-cache-{id(signal)}")
    post_save.connect(model_changed, dispatch_uid="page-cache-post-save")
    post_delete.connect(model_changed, dispatch_uid="page-cache-post-delete")
