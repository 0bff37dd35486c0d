"""The published schema of journal and provider lines (docs/auditors.md, "Journal and
provider chains"): pydantic models and the JSON Schema (draft 2020-12) shipped beside the
record schemas (``casino_core/games/data/chain-lines.schema.json``)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import models_json_schema

__all__ = ["JournalLine", "ProviderLine", "chain_lines_schema", "shipped_chain_lines_schema"]

_Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
_Key = Annotated[str, StringConstraints(min_length=1, max_length=255)]
_ChainId = Annotated[str, StringConstraints(min_length=1, max_length=255)]
_Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
_Minor = Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,35})$")]
_Signed = Annotated[str, StringConstraints(pattern=r"^(0|-?[1-9][0-9]{0,35})$")]
_Side = Annotated[str, StringConstraints(pattern=r"^(player|system):.{1,128}$")]
_Seq = Annotated[int, Field(ge=1, le=2**63 - 1)]
_Micros = Annotated[int, Field(ge=0, le=2**63 - 1)]
_CONFIG = {"extra": "forbid", "strict": True, "frozen": True, "hide_input_in_errors": True}


class JournalLine(BaseModel):
    """One accepted journal transaction, a link in its main account's chain."""

    model_config = ConfigDict(**_CONFIG, title="JournalLine")  # type: ignore[typeddict-item]

    kind: Literal["journal"]
    version: Literal[1]
    operator_id: _Id
    chain_id: _ChainId
    transaction_id: _Id
    type: Literal["credit", "debit", "transfer", "capture"]
    idempotency_key: _Key
    created_us: _Micros
    currency: Annotated[str, StringConstraints(min_length=1, max_length=12)]
    mode: Literal["real", "demo"]
    postings: Annotated[list[tuple[_Side, _Signed]], Field(min_length=2, max_length=2)]
    chain_seq: _Seq
    chain_prev: _Hex64
    chain_hash: _Hex64


class ProviderLine(BaseModel):
    """One stored provider transaction, a link in its player's provider chain."""

    model_config = ConfigDict(**_CONFIG, title="ProviderLine")  # type: ignore[typeddict-item]

    kind: Literal["provider_transaction"]
    version: Literal[1, 2]  # 1: written before round_id was part of the link
    operator_id: _Id
    chain_id: _ChainId
    provider: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    tx_id: _Id
    type: Annotated[str, StringConstraints(min_length=1, max_length=16)]
    round_id: _Id
    player_id: _Id
    fingerprint: Annotated[str, StringConstraints(max_length=2048)]  # "" for a tombstone
    amount: _Minor
    win: _Minor
    ref: _Id | None
    created_us: _Micros
    chain_seq: _Seq
    chain_prev: _Hex64
    chain_hash: _Hex64


def chain_lines_schema() -> dict[str, Any]:
    """The JSON Schema of a journal or provider line."""
    models: list[type[BaseModel]] = [JournalLine, ProviderLine]
    refs, defs = models_json_schema(
        [(m, "validation") for m in models], ref_template="#/$defs/{model}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://casino-core.invalid/schema/chain-lines.schema.json",
        "title": "casino_core journal line or provider line",
        "description": (
            "One line of a journal or provider export (JSON Lines). Amounts are minor units "
            "as decimal integer strings. See docs/auditors.md."
        ),
        "oneOf": [refs[(m, "validation")] for m in models],
        "$defs": defs["$defs"],
    }


def shipped_chain_lines_schema() -> str:
    """The file shipped in the package: ``casino_core/games/data/chain-lines.schema.json``."""
    path = resources.files("casino_core.games").joinpath("data/chain-lines.schema.json")
    return path.read_text(encoding="utf-8")
