"""Issue 23: the trend chart on a phone. The 640-wide line chart shrunk to a 320 px screen made its labels 5-7
px and its values tooltips; the page now also draws one bar per month with the month and the value written
on the row (shown below 40rem by site.css; the crawl in tests/a11y measures the rendered text)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_phone_chart_writes_every_months_value(client, world):
    client.force_login(world["north_admin"].user)
    html = client.get(reverse("compliance:agency", args=["north"]), {"as_of": "2024-12-31"}).content.decode()
    compact = re.search(r'<svg class="trend-compact".*?</svg>', html, re.S)
    assert compact, "no phone drawing of the trend"
    svg = compact.group(0)
    assert 'role="img"' in svg and '<title id="agency-trend-bars-title">' in svg
    months = re.findall(r'font-size="13" fill="#4a5868">([A-Z][a-z]{2} \d{4})</text>', svg)
    assert months[-1] == "Dec 2024" and len(months) == len(set(months)) >= 12, months
    values = re.findall(r'font-weight="600" fill="#1d2733">(\d+%|n/a)</text>', svg)
    assert len(values) == len(months), (months, values)
    # The wide chart writes each point's value next to it too: nothing is only in a tooltip.
    wide = re.search(r'<svg class="trend-wide".*?</svg>', html, re.S).group(0)
    assert "<title>" not in wide.split("</desc>", 1)[1]
    assert re.search(r'text-anchor="middle" font-size="11" fill="#1d2733">\d+%</text>', wide)
