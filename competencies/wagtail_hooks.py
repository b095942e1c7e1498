"""The competency framework in the Wagtail admin: one snippet listing (code, short name, domain), filtered by
domain. The framework is the whole program's, so only program-wide roles add or change a competency
(`agencies.access.manages_all_agencies`); nobody deletes one (certificates cite its code; curricula, lessons
and quiz items point at it)."""

from __future__ import annotations

from typing import Any

from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from agencies.access import manages_all_agencies
from agencies.admin_scope import RuledPolicy

from .models import Competency


def _never(user: Any) -> bool:
    return False


register_permission_policy(
    Competency,
    RuledPolicy(Competency, rules={"add": manages_all_agencies, "change": manages_all_agencies, "delete": _never}),
)


class CompetencyViewSet(SnippetViewSet):
    model = Competency
    icon = "list-ol"
    menu_label = "Competencies"
    menu_order = 240
    add_to_admin_menu = True
    list_display = ["code", "short_name", "domain", "position"]
    list_filter = ["domain"]
    search_fields = ["code", "short_name", "description"]
    ordering = ["position", "code"]
    inspect_view_enabled = True


register_snippet(CompetencyViewSet)
