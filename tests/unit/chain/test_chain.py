"""The hash chain and signed heads, pure: bodies, hashes, every kind of break, signatures."""

from __future__ import annotations

import copy
import hashlib
import json
import pickle
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import casino_core.chain as chain_api
from casino_core.catalog._offering import canonical_json
from casino_core.chain import (
    GENESIS,
    ChainHead,
    ChainLink,
    ChainVerifier,
    HeadSigner,
    chain_body,
    link_hash,
    next_link,
    sign_heads,
    verify_chain,
    verify_signed_heads,
)
from casino_core.chain._chain import canonical_bytes
from casino_core.errors import ChainMismatch, ConfigurationError, InvalidInput

PINNED = [
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


def _record(n: int, player: str = "p1") -> dict[str, object]:
    return {
        "version": 2,
        "round_id": f"r{n}",
        "player_id": player,
        "game": "dice",
        "nonce": n,
        "stake": "100",
        "payout": str(n * 10),
        "server_seed_hash": "ab" * 32,
    }


def _chain(count: int, player: str = "p1") -> list[dict[str, object]]:
    """``count`` chained records of ``player``, revealed (with server_seed)."""
    out: list[dict[str, object]] = []
    head: ChainLink | None = None
    for n in range(count):
        record = _record(n, player)
        head = next_link(head, record)
        out.append({**record, "server_seed": "cd" * 32, **head.as_dict()})
    return out


def _lines(records: list[dict[str, object]]) -> list[str]:
    return [json.dumps(r) for r in records]


def _head(records: list[dict[str, object]], player: str = "p1") -> ChainHead:
    last = records[-1]
    return ChainHead(player, int(last["chain_seq"]), str(last["chain_hash"]))  # type: ignore[call-overload]


class TestApi:
    """The public names of casino_core.chain are deliberate."""

    def test_all_is_pinned_and_sorted(self) -> None:
        """A change to __all__ is an API change."""
        assert chain_api.__all__ == PINNED
        assert all(hasattr(chain_api, name) for name in PINNED)


class TestLinks:
    """What a link covers and how it is computed."""

    def test_link_hash_is_sha256_of_prev_bytes_and_canonical_body(self) -> None:
        """The documented formula, byte for byte."""
        body = {"b": 1, "a": "x"}
        expected = hashlib.sha256(bytes(32) + b'{"a":"x","b":1}').hexdigest()
        assert link_hash(GENESIS, body) == expected

    def test_body_leaves_out_seed_reveal_time_chain_fields_and_kind(self) -> None:
        """The pending form: what is known when the round settles."""
        record = {
            **_record(1),
            "server_seed": "s",
            "seed_revealed_at": "t",
            "kind": "round",
            "chain_seq": 1,
            "chain_prev": GENESIS,
            "chain_hash": "0" * 64,
        }
        assert chain_body(record) == _record(1)

    def test_a_void_lines_kind_is_in_its_body(self) -> None:
        """A void line's ``"kind": "void"`` is hashed (a round's optional kind is not), so
        a void line cannot pass for a round record of the same fields."""
        void = {**_record(1), "kind": "void", "seed_revealed_at": "t"}
        assert chain_body(void) == {**_record(1), "kind": "void"}
        assert link_hash(GENESIS, chain_body(void)) != link_hash(GENESIS, _record(1))

    def test_v1_pending_lines_round_id_is_not_in_the_body(self) -> None:
        """Round record v1 has no round id: the pending line's is an annotation."""
        assert chain_body({"version": 1, "round_id": "r", "game": "dice"}) == {
            "version": 1,
            "game": "dice",
        }
        assert "round_id" in chain_body({"version": 2, "round_id": "r"})

    def test_first_link_follows_zeros_and_seq_counts_up(self) -> None:
        """seq 1 after 64 zeros, then each link names its predecessor's hash."""
        records = _chain(3)
        assert [r["chain_seq"] for r in records] == [1, 2, 3]
        assert records[0]["chain_prev"] == GENESIS
        assert records[1]["chain_prev"] == records[0]["chain_hash"]

    def test_bad_prev_is_refused(self) -> None:
        """A predecessor hash is 64 lowercase hex characters."""
        with pytest.raises(InvalidInput):
            link_hash("XYZ", {})

    def test_head_validates(self) -> None:
        """A head has a player, a seq >= 1 and a hash."""
        with pytest.raises(InvalidInput):
            ChainHead("", 1, GENESIS)
        with pytest.raises(InvalidInput):
            ChainHead("p", 0, GENESIS)


class TestVerifyChain:
    """Every break is found and named by its line."""

    def test_honest_chains_of_two_players_verify_in_any_order(self) -> None:
        """Two players' chains, lines shuffled and interleaved: intact."""
        a, b = _chain(4, "a"), _chain(3, "b")
        lines = _lines([a[2], b[0], a[0], b[2], a[3], a[1], b[1]])
        report = verify_chain(lines, [_head(a, "a"), _head(b, "b")])
        assert report.ok, report.findings
        assert (report.links, len(report.heads), report.heads_checked) == (7, 2, 2)

    def test_edited_record(self) -> None:
        """A payout changed after the fact no longer matches its hash."""
        records = _chain(5)
        records[2]["payout"] = "999999"
        report = verify_chain(_lines(records))
        assert report.first_broken_line == 3
        assert "edited" in report.findings[0].message

    def test_deleted_in_the_middle(self) -> None:
        """Its successor points at a link nobody has."""
        records = _chain(5)
        del records[2]
        report = verify_chain(_lines(records))
        assert report.first_broken_line == 3
        assert "missing" in report.findings[0].message

    def test_deleted_tail_is_caught_only_by_signed_heads(self) -> None:
        """A chain cut at its end is still a chain: the signed head is what is missing."""
        records = _chain(5)
        head = _head(records)
        assert verify_chain(_lines(records[:-1])).ok
        report = verify_chain(_lines(records[:-1]), [head])
        assert not report.ok
        assert report.findings[0].line == 0
        assert "does not reach signed head 5" in report.findings[0].message

    def test_inserted_record_with_copied_links(self) -> None:
        """A made-up round copying a neighbour's chain fields is edited and a duplicate."""
        records = _chain(4)
        forged = {**records[1], "payout": "5000", "round_id": "rx"}
        report = verify_chain(_lines([*records[:2], forged, *records[2:]]))
        assert report.first_broken_line == 3

    def test_inserted_record_with_a_valid_hash_forks_the_chain(self) -> None:
        """A new link after an old one, correctly hashed: two lines follow one link."""
        records = _chain(4)
        forged_link = next_link(ChainLink(2, "", str(records[1]["chain_hash"])), _record(77))
        forged = {**_record(77), **forged_link.as_dict()}
        report = verify_chain(_lines([*records, forged]))
        assert not report.ok
        assert any("inserted" in f.message for f in report.findings)

    def test_reordered_links(self) -> None:
        """Two records' chain positions swapped break at the first of them."""
        records = _chain(5)
        for key in ("chain_seq", "chain_prev", "chain_hash"):
            records[1][key], records[2][key] = records[2][key], records[1][key]
        report = verify_chain(_lines(records))
        assert report.first_broken_line == 2

    def test_duplicate_line(self) -> None:
        """The same record twice is named."""
        records = _chain(3)
        report = verify_chain(_lines([*records, records[1]]))
        assert report.first_broken_line == 4
        assert "duplicate of line 2" in report.findings[0].message

    def test_another_players_link(self) -> None:
        """A v2 line that follows a link of another player is a break."""
        records = _chain(3, "a")
        moved = {**_record(5, "b")}
        moved_link = next_link(ChainLink(1, "", str(records[0]["chain_hash"])), moved)
        report = verify_chain(_lines([*records[:1], {**moved, **moved_link.as_dict()}]))
        assert any("another player" in f.message for f in report.findings)

    def test_unchained_line_among_chained_ones(self) -> None:
        """A record stripped of its chain fields is named; reveal lines are skipped."""
        records = _chain(3)
        bare = _record(9)
        reveal = {"kind": "reveal", "version": 2, "player_id": "p1"}
        report = verify_chain(_lines([*records, bare, reveal]))
        assert [(f.line, f.message) for f in report.findings] == [(4, "no chain fields")]

    def test_an_export_without_chain_fields_has_nothing_to_check(self) -> None:
        """Records without any chain (v1 before the chain) are no finding."""
        report = verify_chain(_lines([_record(1), _record(2)]))
        assert report.ok
        assert report.unchained == 2
        assert report.links == 0

    def test_void_lines_are_links(self) -> None:
        """A void line is a link like a round; deleting it breaks its successor, and a void
        line whose kind is edited away (chain fields on a line of another kind) is found."""
        records = _chain(2)
        head = ChainLink(2, str(records[0]["chain_hash"]), str(records[1]["chain_hash"]))
        void = {**_record(2), "kind": "void"}
        void.update(next_link(head, void).as_dict())
        after = {**_record(3)}
        after.update(next_link(ChainLink(3, "0" * 64, str(void["chain_hash"])), after).as_dict())
        lines = [*records, void, after]
        report = verify_chain(_lines(lines), [_head(lines)])
        assert report.ok, report.findings
        assert report.links == 4
        assert verify_chain(_lines([*records, after])).first_broken_line == 3
        renamed = {**void, "kind": "voided"}
        broken = verify_chain(_lines([*records, renamed, after]))
        assert broken.first_broken_line == 3
        assert "edited" in broken.findings[0].message

    def test_malformed_lines_are_findings(self) -> None:
        """Bad JSON, a bad seq or hash: a finding on that line, not an exception."""
        records = _chain(2)
        bad_seq = {**records[1], "chain_seq": 0}
        report = verify_chain(["{not json", json.dumps(bad_seq), "", json.dumps(records[0])])
        assert [f.line for f in report.findings] == [1, 2]
        assert all(f.message.startswith("malformed") for f in report.findings)

    def test_several_sources_are_named(self) -> None:
        """Findings in a multi-file check name their file."""
        records = _chain(3)
        records[1]["payout"] = "1"
        verifier = ChainVerifier()
        verifier.add(1, json.dumps(records[0]), "a.jsonl")
        verifier.add(1, json.dumps(records[1]), "b.jsonl")
        verifier.add(2, json.dumps(records[2]), "b.jsonl")
        (finding,) = verifier.report().findings
        assert str(finding).startswith("b.jsonl:1: edited")


class TestSignedHeads:
    """Ed25519 signed heads: round trip, forgery, key hygiene."""

    def test_round_trip(self) -> None:
        """What is signed verifies and gives back the heads."""
        signer = HeadSigner.generate("k1")
        heads = [ChainHead("b", 2, "11" * 32), ChainHead("a", 5, "22" * 32)]
        at = datetime(2026, 1, 2, tzinfo=UTC)
        doc = sign_heads("op", heads, signer, signed_at=at)
        assert doc["key_id"] == "k1"
        assert doc["signed_at"] == "2026-01-02T00:00:00.000000Z"
        signed = verify_signed_heads(json.dumps(doc), signer.public_key())
        assert signed.operator_id == "op"
        assert signed.heads == (heads[1], heads[0])  # sorted by player

    def test_a_changed_head_or_another_key_fails(self) -> None:
        """Any edit of the document, or a signature by another key, is refused."""
        signer = HeadSigner.generate()
        doc = sign_heads("op", [ChainHead("a", 5, "22" * 32)], signer)
        forged = copy.deepcopy(doc)
        forged["heads"][0]["seq"] = 4  # type: ignore[index]
        with pytest.raises(ChainMismatch):
            verify_signed_heads(forged, signer.public_key())
        with pytest.raises(ChainMismatch):
            verify_signed_heads(doc, HeadSigner.generate().public_key())

    def test_malformed_documents(self) -> None:
        """Missing signature, extra fields, a bad key: typed errors."""
        signer = HeadSigner.generate()
        doc = sign_heads("op", [], signer)
        with pytest.raises(InvalidInput):
            verify_signed_heads(
                {k: v for k, v in doc.items() if k != "signature"}, signer.public_key()
            )
        with pytest.raises(InvalidInput):
            verify_signed_heads({**doc, "extra": 1}, signer.public_key())
        with pytest.raises(InvalidInput):
            verify_signed_heads(doc, "not base64!")
        with pytest.raises(InvalidInput):
            sign_heads("op", [ChainHead("a", 1, GENESIS), ChainHead("a", 2, GENESIS)], signer)

    def test_key_never_shows(self) -> None:
        """Repr names the key id only; no pickling; copies are the same object."""
        signer = HeadSigner.generate("k9")
        secret = json.loads(signer.to_json())["private_key"]
        assert repr(signer) == "HeadSigner(key_id='k9')"
        assert secret not in repr(signer)
        with pytest.raises(TypeError):
            pickle.dumps(signer)
        assert copy.deepcopy(signer) is signer
        again = HeadSigner.from_json(signer.to_json())
        assert again.public_key() == signer.public_key()

    def test_bad_key_documents_do_not_echo_the_key(self) -> None:
        """A short key is refused without printing it."""
        with pytest.raises(ConfigurationError) as info:
            HeadSigner.from_json('{"key_id": "k", "private_key": "c2hvcnQta2V5LXNlY3JldA=="}')
        assert "c2hvcnQ" not in str(info.value)
        with pytest.raises(ConfigurationError):
            HeadSigner(b"x" * 31)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.fractions(),
    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), JSON))
def test_the_fast_canonical_form_is_canonical_json(body: dict[str, object]) -> None:
    """What a link hashes is exactly the catalog's canonical_json, exact numbers included."""
    assert canonical_bytes(body) == canonical_json(body).encode()


class TestHeadsDocumentBounds:
    """A heads document may be large, never unbounded or malformed."""

    def test_a_document_of_many_heads_beyond_one_record_line_verifies(self) -> None:
        """20,000 players (over 1 MiB of JSON) sign and verify."""
        signer = HeadSigner.generate()
        heads = [ChainHead(f"player-{n:06d}", 1 + n, f"{n:064x}") for n in range(20_000)]
        text = json.dumps(sign_heads("op", heads, signer))
        assert len(text) > 1 << 20
        assert len(verify_signed_heads(text, signer.public_key()).heads) == 20_000

    def test_hostile_documents_are_typed_errors(self) -> None:
        """Duplicate keys, NaN, deep nesting, not JSON: InvalidInput."""
        key = HeadSigner.generate().public_key()
        for text in ('{"a": 1, "a": 2}', '{"a": NaN}', "[" * 100 + "]" * 100, "{nope"):
            with pytest.raises(InvalidInput):
                verify_signed_heads(text, key)
