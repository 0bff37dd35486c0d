"""Signed heads name the chains they sign: rounds (no field), journal or provider."""

from __future__ import annotations

import json

import pytest

from casino_core.chain import ChainHead, HeadSigner, sign_heads, verify_signed_heads
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
