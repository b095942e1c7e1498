"""Pages of the public site: home, standard pages, the resource directory and the FAQ."""

from __future__ import annotations

from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from wagtail import blocks, hooks
from wagtail.admin.panels import FieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page, PageViewRestriction
from wagtail.search import index

from .blocks import MarkdownBlock, ReferenceBlock, page_body_blocks
from .generation import current_generation, page_cache


def references_field() -> StreamField:
    return StreamField([("reference", ReferenceBlock())], blank=True, use_json_field=True)


class KeptPrivacy:
    """Wagtail checks a page's view restrictions (its own and its ancestors', two queries) on every view. A
    page with none is remembered per content generation, which a saved or deleted restriction and every move
    replace (`content.receivers`), so later views skip both queries; a restricted page is checked in full."""

    def get_view_restrictions(self):
        if self.pk is None:  # type: ignore[attr-defined]  # a page being created: nothing to remember it by
            return super().get_view_restrictions()  # type: ignore[misc]
        generation = current_generation()
        key = f"unrestricted:{self.pk}:{generation}"  # type: ignore[attr-defined]
        if generation and page_cache().get(key):
            return PageViewRestriction.objects.none()
        restrictions = super().get_view_restrictions()  # type: ignore[misc]
        if generation and not restrictions:  # evaluated once; the caller iterates the same results
            page_cache().set(key, True, 3600)
        return restrictions


class SourceTracked(models.Model):
    """Pages loaded from content/source remember the hash of the file they came from."""

    source_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True


class HomePage(KeptPrivacy, SourceTracked, Page):
    intro = models.TextField(blank=True)
    body = StreamField(page_body_blocks(), blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    max_count = 1

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        """Apps above this one add to the home page through the `content_home_context` hook (the curricula
        app lists its curricula), so content, which they build on, never imports them."""
        context = super().get_context(request, *args, **kwargs)
        menu = StandardPage.objects.live().filter(show_in_menus=True, locale=self.locale)  # this home's language
        context["menu_pages"] = menu.order_by("path")[:6]
        for contribute in hooks.get_hooks("content_home_context"):
            context.update(contribute(request=request, page=self))
        return context


class StandardPage(KeptPrivacy, SourceTracked, Page):
    intro = models.TextField(blank=True)
    body = StreamField(page_body_blocks(), blank=True, use_json_field=True)
    references = references_field()
    menu_order = models.PositiveIntegerField(default=100)
    menu_title = models.CharField(max_length=40, blank=True, help_text="Short label for the main menu.")

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body"), FieldPanel("references")]
    promote_panels = [*Page.promote_panels, FieldPanel("menu_title"), FieldPanel("menu_order")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]
    parent_page_types = ["content.HomePage", "content.StandardPage"]


class ResourceCategory(models.TextChoices):
    """Shown to readers as the resource directory's filters (translated: issue 24)."""

    FINANCIAL = "financial", _("Financial assistance")
    LEGAL = "legal", _("Legal assistance")
    SUPPORT = "support", _("Peer and online support")
    ADHERENCE = "adherence", _("Treatment adherence")
    LINKAGE = "linkage", _("Linkage to care")
    STIGMA = "stigma", _("Stigma")
    INVOLVEMENT = "involvement", _("Getting involved")
    TRAINING = "training", _("Training")


class ResourceIndexPage(KeptPrivacy, SourceTracked, Page):
    intro = models.TextField(blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["content.ResourcePage"]
    parent_page_types = ["content.HomePage"]
    max_count = 1

    def get_context(self, request: HttpRequest, *args, **kwargs) -> dict:
        context = super().get_context(request, *args, **kwargs)
        resources = ResourcePage.objects.child_of(self).live().order_by("title")
        selected = request.GET.get("category", "")
        if selected in ResourceCategory.values:
            resources = resources.filter(category=selected)
        else:
            selected = ""
        context.update(resources=resources, categories=ResourceCategory.choices, selected_category=selected)
        return context


class ResourcePage(KeptPrivacy, SourceTracked, Page):
    category = models.CharField(max_length=20, choices=ResourceCategory.choices)
    organisation = models.CharField(max_length=200, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    eligibility = models.TextField(blank=True, help_text="Markdown.")
    how_to_access = models.TextField(blank=True, help_text="Markdown.")
    link = models.URLField(blank=True)
    body = StreamField(page_body_blocks(), blank=True, use_json_field=True)
    references = references_field()

    content_panels = [
        *Page.content_panels,
        FieldPanel("category"),
        FieldPanel("organisation"),
        FieldPanel("summary"),
        FieldPanel("eligibility"),
        FieldPanel("how_to_access"),
        FieldPanel("link"),
        FieldPanel("body"),
        FieldPanel("references"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("organisation"),
        index.SearchField("eligibility"),
        index.SearchField("how_to_access"),
        index.SearchField("body"),
        index.FilterField("category"),
    ]
    parent_page_types = ["content.ResourceIndexPage"]
    subpage_types: list[str] = []


class FaqItemBlock(blocks.StructBlock):
    question = blocks.CharBlock()
    answer = MarkdownBlock()
    references = blocks.ListBlock(ReferenceBlock(), required=False)

    class Meta:
        icon = "help"
        template = "blocks/faq_item.html"


class FaqPage(KeptPrivacy, SourceTracked, Page):
    intro = models.TextField(blank=True)
    items = StreamField([("item", FaqItemBlock())], blank=True, use_json_field=True)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("items")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("items")]
    parent_page_types = ["content.HomePage"]
    max_count = 1
