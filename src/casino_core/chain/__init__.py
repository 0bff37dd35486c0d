"""Hash-chained history and signed chain heads (pure; see docs/auditors.md).

Each player's settled rounds form a chain (:func:`chain_body`, :func:`link_hash`); the
operator signs each player's last link (:func:`sign_heads`); an auditor recomputes the
chains of an export and checks them against the signed heads (:func:`verify_chain`).
"""

from casino_core.chain._chain import (
    CHAIN_FIELDS,
    GENESIS,
    ChainFinding,
    ChainHead,
    ChainLink,
    ChainReport,
    ChainVerifier,
    chain_body,
    link_after,
    link_hash,
    next_link,
    verify_chain,
)
from casino_core.chain._heads import (
    HEADS_KIND,
    HeadSigner,
    SignedHeads,
    sign_heads,
    verify_signed_heads,
)
from casino_core.chain._lines import JournalLine, ProviderLine, chain_lines_schema

__all__ = [
    "CHAIN_FIELDS",
    "GENESIS",
    "HEADS_KIND",
    "ChainFinding",
    "ChainHead",
    "ChainLink",
    "ChainReport",
    "ChainVerifier",
    "HeadSigner",
    "JournalLine",
    "ProviderLine",
    "SignedHeads",
    "chain_body",
    "chain_lines_schema",
    "link_after",
    "link_hash",
    "next_link",
    "sign_heads",
    "verify_chain",
    "verify_signed_heads",
]
