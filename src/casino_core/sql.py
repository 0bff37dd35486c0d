"""The library's SQL schema for a host's own migrations (SQLAlchemy, a base dependency).

* :class:`Amount`: the column type of money (minor units of up to 36 digits, exact on every
  dialect); Alembic's autogenerate writes it as ``casino_core.sql.Amount()``.
* :func:`metadata`: ONE ``MetaData`` with every table of the library (wallet, responsible
  gaming, casino and crash, chain heads, provider, sagas, the schema version record), in a
  PostgreSQL schema of the host's choice, for a host's Alembic ``target_metadata``.
* :data:`NAMING_CONVENTION`: how those tables name their keys, constraints and indexes.
* :func:`render_item`: the Alembic ``render_item`` hook that writes the ``import`` the
  generated revision needs for :class:`Amount`.

The append-only triggers and the schema version record are operations of
:mod:`casino_core.alembic`; docs/alembic.md is the recipe.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import MetaData

from casino_core.wallet._sql import NAMING_CONVENTION, Amount, _check_schema

__all__ = ["NAMING_CONVENTION", "Amount", "metadata", "render_item"]


def _library_metadata() -> list[MetaData]:
    """The library's own MetaData objects, every module that adds tables to them imported."""
    from casino_core.casino._sql_tables import casino_metadata
    from casino_core.ledger._sql_store import saga_metadata
    from casino_core.provider._sql import provider_metadata
    from casino_core.wallet._sql import metadata as wallet_metadata

    return [wallet_metadata, casino_metadata, provider_metadata, saga_metadata]


def metadata(schema: str | None = None) -> MetaData:
    """A new ``MetaData`` holding a copy of every table of the library.

    ``schema`` (PostgreSQL): the schema the tables live in (``None``: the connection's
    default). Add it to the host's Alembic ``target_metadata`` (a list of MetaData is fine)
    and pass :func:`render_item` to ``context.configure``; the tables then migrate with the
    host's own. The copy is the host's to extend; the library's stores keep their own.
    """
    if schema is not None:
        _check_schema(schema)
    out = MetaData(schema=schema, naming_convention=NAMING_CONVENTION)
    for source in _library_metadata():
        for table in source.sorted_tables:
            table.to_metadata(out)  # into out.schema
    return out


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Alembic's ``render_item`` hook: renders :class:`Amount` as ``casino_core.sql.Amount()``
    and adds ``import casino_core.sql`` to the revision; ``False`` (Alembic's default
    rendering) for everything else. A host with its own hook calls this one first."""
    if type_ == "type" and isinstance(obj, Amount):
        autogen_context.imports.add("import casino_core.sql")
        return "casino_core.sql.Amount()"
    return False
