"""The reader's language: gettext catalogs read with Babel, dates in the bank's time zone.

Message ids are English; each other language has a catalog at
``issuer/core/locale/<locale>/LC_MESSAGES/messages.po`` (`make messages` extracts the ids
from the code and templates and updates the catalogs; tests/issuer/test_i18n.py fails on an
id without a translation). Simplified Chinese is the default: a reader gets English only by
asking (``Accept-Language`` or the language switch, remembered in the ``cb_lang`` cookie).

The catalogs are compiled in memory when first used, so no build step and no binary
``.mo`` file is needed.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

__all__ = [
    "COOKIE",
    "DEFAULT_LOCALE",
    "LOCALES",
    "N_",
    "TIME_ZONE",
    "format_date",
    "format_datetime",
    "format_decimal",
    "html_lang",
    "negotiate",
    "translations",
]

#: The languages pages are written in, the default first.
LOCALES: Final = ("zh_Hans", "en")
DEFAULT_LOCALE: Final = "zh_Hans"
COOKIE: Final = "cb_lang"
#: Times are shown in the bank's own zone, whatever the server's clock says.
TIME_ZONE: Final = ZoneInfo("Asia/Shanghai")
# The language subtag of what browsers send, mapped to our locales.
_LANGUAGES: Final = {"zh": "zh_Hans", "en": "en"}


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (gettext_noop)."""
    return message


@cache
def translations(locale: str) -> NullTranslations:
    """The translations of ``locale`` (English, the message ids' language, has none)."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    if locale == "en":
        return NullTranslations()
    po = resources.files("issuer.core") / "locale" / locale / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def negotiate(accept_language: str | None, cookie: str | None = None) -> str:
    """The reader's locale: the cookie's choice, else the first ``Accept-Language`` we write.

    Only the language subtag matters (zh, zh-CN, zh-Hans-CN all read Simplified Chinese);
    anything else, or nothing, is the default.
    """
    if cookie in LOCALES:
        return cookie
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                continue
        language = tag.strip().split("-")[0].lower()
        if language in _LANGUAGES and quality > 0:
            ranked.append((-quality, position, _LANGUAGES[language]))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


@cache  # parsed once per language, not once per date on a page
def _babel_locale(locale: str) -> Locale:
    try:
        return Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def format_datetime(moment: datetime, locale: str) -> str:
    """``moment`` in Asia/Shanghai as the reader writes it (2026年12月1日 21:05)."""
    local, where = moment.astimezone(TIME_ZONE), _babel_locale(locale)
    day = dates.format_date(local.date(), format="medium", locale=where)
    return f"{day} {dates.format_time(local.time(), format='short', locale=where)}"


def format_date(day: date | datetime, locale: str) -> str:
    """A calendar day in the reader's format (2026年12月1日 / Dec 1, 2026)."""
    if isinstance(day, datetime):
        day = day.astimezone(TIME_ZONE).date()
    return dates.format_date(day, format="medium", locale=_babel_locale(locale))


def format_decimal(value: float | int, locale: str) -> str:
    """A number as the reader writes it (credits: 1.5, 12)."""
    return numbers.format_decimal(value, locale=_babel_locale(locale))


def html_lang(locale: str) -> str:
    """The BCP 47 tag for ``<html lang>``: zh-Hans or en."""
    return locale.replace("_", "-")
