"""The player's verifier page: one self-contained HTML file that recomputes rounds offline.

The page is built from package data beside this module: ``page.html`` (markup and CSS),
``core.js`` (the verification core: the byte stream over Web Crypto, both schemes, every
game, round records v1/v2, seed reveal lines, exact integers with BigInt) and ``ui.js``
(the forms). :func:`verifier_page` inlines both scripts, the published paytables and,
optionally, the operator's published catalog, so the file makes no network request (its
Content-Security-Policy forbids any). The node agreement test runs the same ``core.js``
that the page inlines (:func:`page_core`).
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from casino_core.catalog import Catalog

__all__ = ["page_core", "verifier_page"]

_SLOTS: Final = ("/*PAYTABLES*/", "/*CATALOG*/", "/*CORE*/", "/*UI*/")


@functools.cache
def _asset(name: str) -> str:
    return resources.files("casino_core._verifier").joinpath(name).read_text(encoding="utf-8")


def _script_json(text: str) -> str:
    """JSON text safe inside a ``<script type="application/json">`` element."""
    data = json.loads(text)
    out = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_core() -> str:
    """The page's verification core (``core.js``), exactly as the page inlines it."""
    return _asset("core.js")


def verifier_page(catalog: Catalog | None = None) -> str:
    """The verifier page as one HTML document (UTF-8 text) for a host to serve or save.

    With ``catalog`` (the operator's published :class:`~casino_core.catalog.Catalog`), the
    page lists its offerings to fill the form and checks each record's offering fields and
    stated rules against it.
    """
    page = _asset("page.html")
    core, ui = _asset("core.js"), _asset("ui.js")
    for script in (core, ui):
        if "</script" in script.lower():  # pragma: no cover - a packaging mistake
            raise RuntimeError("a verifier script contains '</script'")
    tables = resources.files("casino_core.games").joinpath("data/stake_paytables.json")
    published = "null" if catalog is None else _script_json(catalog.to_json())
    values = (_script_json(tables.read_text(encoding="utf-8")), published, core, ui)
    for slot, value in zip(_SLOTS, values, strict=True):
        head, sep, tail = page.partition(slot)
        if not sep:  # pragma: no cover - a packaging mistake
            raise RuntimeError(f"the page template lacks {slot}")
        page = head + value + tail
    return page
