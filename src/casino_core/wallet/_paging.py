"""Keyset pages for the back-office lookups: a typed opaque cursor, bounded windows.

A lookup reads one player's items (rounds and crash bets, or wallet journal entries) placed
in a half-open time range ``[since, until)``, in the stable order (time in microseconds,
id), a page at a time. Each store returns at most ``limit + 1`` items after the cursor's
position (never an OFFSET): the extra item only says that another page exists.

A :class:`PageCursor` is opaque to callers (send :attr:`PageCursor.token` to a client, build
it back with ``PageCursor(token)``). It names the lookup it came from through a digest of
(kind, operator, player, range), so a cursor is refused (:class:`InvalidCursor`) by any other
lookup: it cannot move a query onto another operator's or player's data, and the operator a
query reads is always the one the caller passes, never one read from the cursor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import itertools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Generic, Literal, TypeVar

from casino_core.errors import InvalidCursor, InvalidInput
from casino_core.wallet._common import check_limit, to_micros
from casino_core.wallet._types import _check_id

__all__ = [
    "DEFAULT_PAGE",
    "READ_BATCH",
    "LookupKind",
    "Page",
    "PageCursor",
    "Window",
    "merge_sorted",
    "page_of",
    "window",
]

T = TypeVar("T")

LookupKind = Literal["rounds", "journal"]

DEFAULT_PAGE: Final = 50
"""The page size when the caller names none (at most 1000, as wallet histories)."""

READ_BATCH: Final = 1000
"""Rows a streamed journal read (movements, journal lines) takes per page: its memory."""

_MAX_TOKEN: Final = 300
_MAX_ID: Final = 64
_ID = re.compile(r"[0-9A-Za-z_.:-]{1,64}")
_PREFIX: Final = "c1."
# 64-bit microseconds: far beyond any datetime Python holds (year 9999 < 2.6e17 us).
_MAX_US: Final = 2**62


@dataclass(frozen=True, slots=True)
class PageCursor:
    """Where the next page of a lookup starts: an opaque token (at most 300 characters).

    Pass ``page.next_cursor`` back as ``cursor=`` for the next page; over HTTP send
    ``cursor.token`` and rebuild it with ``PageCursor(token)``. A malformed token, or one from
    another lookup, raises :class:`~casino_core.errors.InvalidCursor` when used.
    """

    token: str

    def __str__(self) -> str:
        return self.token

    def _position(self, scope: str) -> tuple[int, str]:
        """The (microseconds, id) after which the page starts, checked against ``scope``."""
        token = self.token
        if not isinstance(token, str) or not token.startswith(_PREFIX) or len(token) > _MAX_TOKEN:
            raise InvalidCursor("not a page cursor")
        try:
            raw = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode("ascii") + b"==")
            doc = json.loads(raw)
        except (ValueError, UnicodeError, binascii.Error):
            raise InvalidCursor("not a page cursor") from None
        if (
            not isinstance(doc, list)
            or len(doc) != 3
            or not isinstance(doc[0], str)
            or type(doc[1]) is not int
            or not isinstance(doc[2], str)
            or not 0 <= doc[1] < _MAX_US
            or _ID.fullmatch(doc[2]) is None
        ):
            raise InvalidCursor("not a page cursor")
        if doc[0] != scope:
            raise InvalidCursor("the cursor belongs to another lookup")
        return doc[1], doc[2]

    @classmethod
    def _at(cls, scope: str, micros: int, item_id: str) -> PageCursor:
        body = json.dumps([scope, micros, item_id], separators=(",", ":")).encode()
        return cls(_PREFIX + base64.urlsafe_b64encode(body).decode("ascii").rstrip("="))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a lookup, in (time, id) order; ``next_cursor`` is None on the last page."""

    items: tuple[T, ...]
    next_cursor: PageCursor | None


@dataclass(frozen=True, slots=True)
class Window:
    """A checked lookup window: what a store reads for one page.

    Items with ``since_us <= time < until_us`` and ``(time, id) > after`` (when set), in
    (time, id) order, at most ``limit + 1`` of them.
    """

    operator_id: str
    player_id: str
    since_us: int
    until_us: int
    after: tuple[int, str] | None
    limit: int
    scope: str

    def admits(self, micros: int, item_id: str) -> bool:
        """True when the item at (``micros``, ``item_id``) belongs to this page's read."""
        if not self.since_us <= micros < self.until_us:
            return False
        return self.after is None or (micros, item_id) > self.after

    def pick(self, items: Iterable[T], key: Callable[[T], tuple[int, str]]) -> list[T]:
        """The first ``limit + 1`` admitted ``items`` in (time, id) order (for stores that
        filter in Python: memory, Redis)."""
        admitted = (item for item in items if self.admits(*key(item)))
        return heapq.nsmallest(self.limit + 1, admitted, key=key)


def _scope(kind: str, operator_id: str, player_id: str, since_us: int, until_us: int) -> str:
    doc = json.dumps([kind, operator_id, player_id, since_us, until_us], separators=(",", ":"))
    return hashlib.sha256(doc.encode()).hexdigest()[:24]


def window(
    kind: LookupKind,
    operator_id: object,
    player_id: object,
    since: object,
    until: object,
    cursor: object,
    limit: object,
) -> Window:
    """Check a lookup's arguments (``InvalidInput`` / ``InvalidCursor``) into a :class:`Window`.

    ``since`` and ``until`` are timezone-aware datetimes with ``since < until``; ``limit`` an
    int in 1..1000; ``cursor`` None or a :class:`PageCursor` of this very lookup.
    """
    op = _check_id(operator_id, "operator_id")
    player = _check_id(player_id, "player_id")
    bounds = []
    for name, value in (("since", since), ("until", until)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise InvalidInput(f"{name} must be a timezone-aware datetime")
        bounds.append(to_micros(value))
    lo, hi = bounds
    if not lo < hi:
        raise InvalidInput("the time range is empty: since must be before until")
    lim = check_limit(limit)
    scope = _scope(kind, op, player, lo, hi)
    after: tuple[int, str] | None = None
    if cursor is not None:
        if not isinstance(cursor, PageCursor):
            raise InvalidCursor("cursor must be a PageCursor (PageCursor(token) from a token)")
        after = cursor._position(scope)
        if not lo <= after[0] < hi:
            raise InvalidCursor("the cursor lies outside the lookup's time range")
    return Window(op, player, lo, hi, after, lim, scope)


def page_of(win: Window, items: Sequence[T], key: Callable[[T], tuple[int, str]]) -> Page[T]:
    """The page of a store's answer: its first ``limit`` items and, when it returned more,
    the cursor after the last of them."""
    shown = tuple(items[: win.limit])
    if len(items) <= win.limit:
        return Page(shown, None)
    micros, item_id = key(shown[-1])
    if len(item_id) > _MAX_ID:  # pragma: no cover - ids are uuid hex or bounded ids
        raise InvalidInput("an item id is too long to page on")
    return Page(shown, PageCursor._at(win.scope, micros, item_id))


def merge_sorted(
    runs: Iterable[Iterable[T]], key: Callable[[T], tuple[int, str]], count: int
) -> list[T]:
    """The first ``count`` items of several runs, each already in (time, id) order."""
    return list(itertools.islice(heapq.merge(*runs, key=key), count))
