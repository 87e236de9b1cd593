"""The one-page person summary for a case conference (PDF): what the reader may see of the
person, from the same case file as the person page, printed with WeasyPrint like the reports.
Printing it is a read, audited (``person.summary_pdf``) before the document is handed over."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from vip.audit.services import audit_read
from vip.core.access import require
from vip.core.config import program_today, program_zone
from vip.desk.selectors import person_file
from vip.people.models import Person

# What fits one A4/Letter page: the latest entries of the timeline and of each list.
TIMELINE_ROWS = 10
LIST_ROWS = 4
TEXT_CHARS = 90


def _cut(text: str, size: int = TEXT_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1].rsplit(" ", 1)[0] + "…"


def summary_context(*, user: Any, person: Person) -> dict[str, Any]:
    file = person_file(user=user, person=person)
    events = [
        {"day": e.day, "kind": e.kind, "text": _cut(e.text), "detail": _cut(e.detail, 60)}
        for e in file.events[:TIMELINE_ROWS]
    ]
    return {
        "file": file,
        "person": person,
        "events": events,
        "more_events": max(0, len(file.events) - TIMELINE_ROWS),
        "services": file.services[:LIST_ROWS],
        "needs": file.needs[:2],
        "referrals": file.referrals[:2],
        "today": program_today(),
        "printed_at": timezone.now().astimezone(program_zone()),
        "printed_by": user,
    }


def person_summary_html(*, user: Any, person: Person) -> str:
    return render_to_string("desk/summary.html", summary_context(user=user, person=person))


def person_summary_pdf(*, user: Any, person: Person) -> bytes:
    """The summary as a PDF of one page, for a reader allowed to print it; the read audited."""
    require(user, "person.summary_pdf", person)
    html = person_summary_html(user=user, person=person)
    from weasyprint import HTML  # deferred: loads Pango (about half a second)

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    audit_read(actor=user, action="person.summary_pdf", target=person)
    return pdf
