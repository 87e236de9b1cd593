"""Every successful save through ``vip.core.views.submit`` says so on the next page (issue 14)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from vip.core.views import submit


class NoteForm(forms.Form):
    text = forms.CharField()


def _request(data: dict[str, str]):  # type: ignore[no-untyped-def]
    request = RequestFactory().post("/x/", data)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _sent(request) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(m.tags, str(m)) for m in request._messages._queued_messages]


def test_a_save_without_a_message_of_its_own_says_saved() -> None:
    request = _request({"text": "hello"})
    response = submit(request, NoteForm(request.POST), lambda data: 1, on_success="/done/")
    assert response is not None and response.status_code == 302
    assert _sent(request) == [("success", "Saved.")]


def test_the_view_may_name_what_was_saved() -> None:
    request = _request({"text": "hello"})
    submit(request, NoteForm(request.POST), lambda data: 1, on_success="/done/", message="Note recorded.")
    assert _sent(request) == [("success", "Note recorded.")]


def test_a_message_given_by_the_save_itself_is_not_doubled() -> None:
    request = _request({"text": "hello"})

    def save(data: dict[str, str]) -> int:
        messages.success(request, "Referral assigned to Ana.")
        return 1

    submit(request, NoteForm(request.POST), save, on_success="/done/")
    assert _sent(request) == [("success", "Referral assigned to Ana.")]


def test_a_refused_or_invalid_form_says_nothing() -> None:
    request = _request({"text": ""})
    assert submit(request, NoteForm(request.POST), lambda data: 1, on_success="/done/") is None
    request = _request({"text": "x"})

    def refuse(data: dict[str, str]) -> int:
        raise ValidationError("No.")

    form = NoteForm(request.POST)
    assert submit(request, form, refuse, on_success="/done/") is None
    assert _sent(request) == [] and form.non_field_errors() == ["No."]
