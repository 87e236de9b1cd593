"""Static files (htmx, the page script, the icons) are served by WhiteNoise from the installed
apps with cache headers: they hold no data, unlike every page (no-store)."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_static_files_are_cached_and_pages_are_not(client, program) -> None:
    script = client.get("/static/vip/vip.js", secure=True)
    assert script.status_code == 200
    directives = [d.strip() for d in script["Cache-Control"].split(",")]
    assert "public" in directives and any(d.startswith("max-age=") and int(d[8:]) > 0 for d in directives)
    assert "no-store" not in directives
    assert script["X-Content-Type-Options"] == "nosniff"
    assert script.get("ETag") or script.get("Last-Modified")  # a browser asks again cheaply (304)
    page = client.get("/accounts/login/", secure=True)
    assert "no-store" in page["Cache-Control"]
