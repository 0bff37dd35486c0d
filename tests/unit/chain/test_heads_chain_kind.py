"""Signed heads name the chains they sign: rounds (no field), journal or provider."""

from __future__ import annotations

import json

import pytest

from casino_core.chain import (
    ChainHead,
    HeadSigner,
    JournalLine,
    chain_lines_schema,
    sign_heads,
    verify_signed_heads,
)
from casino_core.errors import ChainMismatch, InvalidInput

HEAD = ChainHead("journal:p1/USD/real", 3, "ab" * 32)


class TestChainKind:
    def test_round_documents_have_no_chain_field(self) -> None:
        """A rounds document is byte-for-byte what it was before chain kinds existed."""
        signer = HeadSigner.generate()
        doc = sign_heads("op", [HEAD], signer)
        assert "chain" not in doc
        assert verify_signed_heads(json.dumps(doc), signer.public_key()).chain == "rounds"

    @pytest.mark.parametrize("chain", ["journal", "provider"])
    def test_the_chain_kind_is_signed(self, chain: str) -> None:
        """Relabelling a journal document as another kind breaks its signature."""
        signer = HeadSigner.generate()
        doc = sign_heads("op", [HEAD], signer, chain=chain)
        assert verify_signed_heads(json.dumps(doc), signer.public_key()).chain == chain
        other = {**doc, "chain": "provider" if chain == "journal" else "journal"}
        with pytest.raises(ChainMismatch):
            verify_signed_heads(json.dumps(other), signer.public_key())
        del other["chain"]
        with pytest.raises(ChainMismatch):
            verify_signed_heads(json.dumps(other), signer.public_key())

    @pytest.mark.parametrize("chain", ["rounds-x", "", "ROUNDS"])
    def test_unknown_kinds_are_refused(self, chain: str) -> None:
        with pytest.raises(InvalidInput):
            sign_heads("op", [HEAD], HeadSigner.generate(), chain=chain)

    def test_an_explicit_rounds_field_is_refused(self) -> None:
        """One spelling per document: rounds documents carry no "chain"."""
        signer = HeadSigner.generate()
        doc = sign_heads("op", [HEAD], signer)
        doc["chain"] = "rounds"
        with pytest.raises(InvalidInput):
            verify_signed_heads(json.dumps(doc), signer.public_key())


class TestLineSchema:
    def test_the_shipped_schema_is_the_models(self) -> None:
        """The file in the package is what the models generate (regenerate it if not)."""
        from casino_core.chain._lines import shipped_chain_lines_schema

        assert json.loads(shipped_chain_lines_schema()) == chain_lines_schema()

    def test_the_schema_covers_both_line_kinds(self) -> None:
        schema = chain_lines_schema()
        assert set(schema["$defs"]) >= {"JournalLine", "ProviderLine"}
        kinds = {
            d["properties"]["kind"]["const"]
            for name, d in schema["$defs"].items()
            if name in ("JournalLine", "ProviderLine")
        }
        assert kinds == {"journal", "provider_transaction"}

    def test_the_model_refuses_an_unknown_field_and_a_float_amount(self) -> None:
        from pydantic import ValidationError

        line = {
            "kind": "journal", "version": 1, "operator_id": "op", "chain_id": "journal:p/USD/real",
            "transaction_id": "t", "type": "debit", "idempotency_key": "k", "created_us": 1,
            "currency": "USD", "mode": "real",
            "postings": [["player:p", "-5"], ["system:house", "5"]],
            "chain_seq": 1, "chain_prev": "0" * 64, "chain_hash": "a" * 64,
        }  # fmt: skip
        JournalLine.model_validate_json(json.dumps(line))
        for bad in (
            {**line, "x": 1},
            {**line, "postings": [["player:p", -5.0], ["system:house", "5"]]},
        ):
            with pytest.raises(ValidationError):
                JournalLine.model_validate_json(json.dumps(bad))
