"""The program's template helpers: ``{% load vip %}``.

- ``{{ phone|tel_link }}``: a phone number as a tap-to-call link (``tel:``), shown as written.
- ``{{ address|map_link }}``: an address as a link to a map search (VIP_MAP_URL), opened without
  sending the page's address along (rel=noreferrer).
- ``{% password_reset_enabled as on %}``: whether "Forgot your password?" is offered.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

# Digits a dialled number may hold (with a leading +), the rest of what people type dropped.
_NOT_DIALLED = re.compile(r"[^\d+]")


def tel_href(phone: str) -> str:
    """The ``tel:`` form of a phone number as typed ("(505) 555-0101 ext. 2" → "tel:5055550101;ext=2"),
    or "" when it has too few digits to be one."""
    text = str(phone or "").strip()
    main = re.split(r"\s*(?:ext\.?|extension|x)\s*(?=\d)", text, maxsplit=1, flags=re.I)
    number = _NOT_DIALLED.sub("", main[0])
    if number.count("+") > 1 or ("+" in number and not number.startswith("+")):
        number = number.replace("+", "")
    if len(number.lstrip("+")) < 7:
        return ""
    extension = _NOT_DIALLED.sub("", main[1]).replace("+", "") if len(main) > 1 else ""
    return f"tel:{number}" + (f";ext={extension}" if extension else "")


@register.filter(is_safe=True)
def tel_link(phone: object) -> SafeString | str:
    text = str(phone or "").strip()
    href = tel_href(text)
    if not href:
        return text
    return format_html('<a href="{}" class="tel">{}</a>', href, text)


@register.filter(is_safe=True)
def map_link(address: object) -> SafeString | str:
    text = " ".join(str(address or "").split())
    if not text:
        return ""
    url = str(settings.VIP_MAP_URL).replace("{query}", quote_plus(text))
    return format_html(
        '<a href="{}" class="map" rel="noopener noreferrer" target="_blank">{}'
        '<span class="visually-hidden"> ({})</span></a>',
        url,
        text,
        _("map, opens in a new tab"),
    )


@register.simple_tag
def password_reset_enabled() -> bool:
    return bool(settings.VIP_PASSWORD_RESET)
