"""Hostile values at every public entry point: only CasinoErrors, quickly, and no state change.

Each example drives one entry point (every game's parse, Money.parse, the memory and SQLite
wallets, the provider wallet, record verification, Casino.play / start) with values from
outside chosen to break parsers: huge exponents, NaN / infinities, non-ASCII digits, bools,
None, nested lists and dicts, huge strings, negative and huge ints, wrong types. A call may
succeed or raise a :class:`~casino_core.errors.CasinoError`; never anything else (no
TypeError, AttributeError, RecursionError or decimal error). Each call runs under a hard
per-example deadline (``within``), and after a refused call balances, the journal and the
round count are what they were.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _deadline import within
from casino_core.casino import Casino
from casino_core.catalog import Catalog
from casino_core.errors import CasinoError
from casino_core.fairness import commitment_of
from casino_core.games import get_game, make_record, verify_lines, verify_record
from casino_core.money import USD, Money
from casino_core.provider import MemoryProviderStore, ProviderConfig, ProviderWallet
from casino_core.wallet import AccountKey, MemoryWallet, WalletService, open_wallet

DEADLINE_S = 5.0
"""Hard limit of one call; a bounded parse takes milliseconds even on a loaded machine."""

SERVER = "a5022ccf5dd5a76d2014278e3d91d1dfc47c3f12e683ea0c8151fdc2f944beb1"


class _Deep(list[object]):
    """A list nested ``depth`` deep (in a list or a dict per level) that prints short, so that
    hypothesis can report an example holding it."""

    def __init__(self, depth: int, as_dict: bool) -> None:
        value: object = 1
        for _ in range(depth - 1):
            value = {"k": value} if as_dict else [value]
        super().__init__([value])
        self.depth, self.as_dict = depth, as_dict

    def __repr__(self) -> str:
        return f"_Deep({self.depth}, as_dict={self.as_dict})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


FIXED: list[object] = [
    "1e999999999", "-1e999999999", "1e-999999999", "1E+999999999",
    Decimal("1e999999999"), Decimal("-1e-999999999"), Decimal("NaN"), Decimal("sNaN"),
    Decimal("Infinity"), float("nan"), float("inf"), float("-inf"), 1e308, 5e-324,
    "NaN", "Infinity", "-inf", "\u0665\u0660", "\u0661\u0662.\u0665\u0660", "\uff15\uff10",
    True, False, None, "", " ", "x" * 200_000, "1," * 50_000, "[" * 5_000, "1/0", "0/0",
    10**100, -(10**100), 2**63, -1, 0, 1, 7, [], {}, (), b"\xff", object(), 1.5, "0.5",
    "50.50", "2", Fraction(1, 3), Fraction(10**80, 3), ["heads"] * 5_000, list(range(2_000)),
    _Deep(2_000, False), _Deep(2_000, True), {"a": {"b": [None, {"c": []}]}},
    {1: 2}, {"target": "2"},
]  # fmt: skip
"""Values that broke a parser once, or would break a careless one."""

HOSTILE = st.one_of(
    st.sampled_from(FIXED),
    st.integers(),
    st.floats(),
    st.decimals(),
    st.text(max_size=12),
    st.fractions(),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=4),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
        max_leaves=8,
    ),
)

BET_FIELDS: dict[str, tuple[str, ...]] = {
    "dice": ("target", "condition"),
    "limbo": ("target",),
    "coinflip": ("flips",),
    "roulette": ("bets",),
    "wheel": ("segments", "risk", "table"),
    "plinko": ("rows", "risk", "table"),
    "keno": ("picks", "risk", "table"),
    "mines": ("mines", "tiles"),
    "hilo": ("actions",),
    "crash": ("target",),
}
VALID: dict[str, dict[str, object]] = {
    "dice": {"target": "50.50", "condition": "over"},
    "limbo": {"target": "2"},
    "coinflip": {"flips": "heads"},
    "roulette": {"bets": "red"},
    "wheel": {"segments": 10, "risk": "low"},
    "plinko": {"rows": 8, "risk": "low"},
    "keno": {"picks": "1,2,3", "risk": "classic"},
    "mines": {"mines": 3},
    "hilo": {},
}
INSTANT = ("dice", "limbo", "coinflip", "roulette", "wheel", "plinko", "keno")
MULTI_STEP = ("mines", "hilo")
SETTINGS = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def _call(fn: Callable[[], object]) -> bool:
    """Run ``fn`` under the deadline; True if it returned, False if it raised a CasinoError.

    Any other exception (or a hang) fails the example.
    """
    try:
        with within(DEADLINE_S):
            fn()
    except CasinoError:
        return False
    return True


@st.composite
def hostile_params(draw: st.DrawFn, game: str) -> object:
    """A game's bet fields, some replaced by hostile values; or a hostile non-mapping."""
    if draw(st.integers(0, 9)) == 0:
        return draw(HOSTILE)
    params = dict(VALID.get(game, {}))
    for name in draw(st.lists(st.sampled_from(BET_FIELDS[game]), min_size=1, max_size=3)):
        params[name] = draw(HOSTILE)
    return params


class TestGamesAndMoney:
    """Pure parsers."""

    @SETTINGS
    @given(data=st.data(), game=st.sampled_from(sorted(BET_FIELDS)))
    def test_every_game_parse(self, data: st.DataObject, game: str) -> None:
        """get_game(name).parse raises only InvalidBet-style CasinoErrors, at once."""
        params = data.draw(hostile_params(game))
        _call(lambda: get_game(game).parse(params))  # type: ignore[arg-type]

    @SETTINGS
    @given(text=HOSTILE, currency=st.one_of(HOSTILE, st.sampled_from(["USD", "BTC", "ETH"])))
    def test_money_parse(self, text: object, currency: object) -> None:
        """Money.parse of anything is a Money or an InvalidAmount / UnknownCurrency."""
        _call(lambda: Money.parse(text, currency))  # type: ignore[arg-type]


class TestRecords:
    """verify_record and verify_lines on records with a hostile field."""

    RECORDS = (
        make_record("wheel", "unbiased", SERVER, "c", 1, {"segments": 30, "risk": "high"}),
        make_record("dice", "stake", SERVER, "c", 2, {"target": "50.50", "condition": "over"}),
        make_record("limbo", "stake", SERVER, "c", 3, {"target": "2"}),
        {  # round record v2: the money fields are hostile too
            **make_record("limbo", "stake", SERVER, "c", 4, {"target": "2"}),
            "version": 2,
            "round_id": "r",
            "player_id": "p",
            "mode": "real",
            "currency": "USD",
            "decimals": 2,
            "stake": "100",
            "payout": "200",
            "placed_at": "2026-01-01T00:00:00Z",
        },
        {  # a reveal line
            "kind": "reveal",
            "version": 2,
            "player_id": "p",
            "server_seed": SERVER,
            "server_seed_hash": commitment_of(SERVER),
            "client_seed": "c",
            "scheme": "stake",
            "nonces_used": 5,
            "revealed_at": "2026-01-01T00:00:00Z",
        },
    )

    @SETTINGS
    @given(data=st.data(), which=st.sampled_from(range(5)), value=HOSTILE)
    def test_verify_record_and_lines(self, data: st.DataObject, which: int, value: object) -> None:
        """A record with one field (or one param) hostile is checked or malformed, never a crash;
        verify_lines turns its JSON text (when it has one) into exactly one check."""
        record: dict[str, Any] = json.loads(json.dumps(self.RECORDS[which]))
        nested = ["params.target", "params.segments"] if "params" in record else []
        field = data.draw(st.sampled_from([*record, *nested]))
        if field.startswith("params."):
            record["params"] = {**record["params"], field.removeprefix("params."): value}
        else:
            record[field] = value
        _call(lambda: verify_record(record))
        try:
            text = json.dumps(record, default=str)
        except (ValueError, TypeError, RecursionError):
            return
        with within(DEADLINE_S):
            assert len(list(verify_lines([text, text.encode()]))) == 2


@pytest.fixture(params=["memory", "sqlite"])
def wallet(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WalletService]:
    """A memory or SQLite wallet (open_wallet("sqlite:///...")) for the whole test."""
    if request.param == "memory":
        w: WalletService = MemoryWallet()
    else:
        path = tmp_path_factory.mktemp("hostile") / "w.db"
        w = open_wallet(f"sqlite:///{path}", create_schema=True)
    yield w
    w.close()


def _snapshot(w: WalletService, account: AccountKey) -> tuple[object, ...]:
    report = w.reconcile(account.operator_id)
    return w.balance(account), w.history(account).entries, report.transactions


class TestWallets:
    """Wallet methods and the provider wallet refuse hostile arguments without moving money."""

    @SETTINGS
    @given(data=st.data())
    def test_wallet_methods(self, wallet: WalletService, data: st.DataObject) -> None:
        """open_account, balance, credit, debit, transfer, history and system_balance."""
        op = "op-" + uuid.uuid4().hex[:10]
        account = AccountKey(op, "p", USD)
        wallet.open_account(account)
        wallet.credit(account, 500, idempotency_key="dep", system_account="deposits")
        before = _snapshot(wallet, account)
        h = data.draw
        calls: list[Callable[[], object]] = [
            lambda: wallet.credit(account, h(HOSTILE), idempotency_key="k1"),  # type: ignore[arg-type]
            lambda: wallet.debit(account, h(HOSTILE), idempotency_key="k2"),  # type: ignore[arg-type]
            lambda: wallet.credit(account, 5, idempotency_key=h(HOSTILE)),  # type: ignore[arg-type]
            lambda: wallet.credit(account, 5, idempotency_key="k3", system_account=h(HOSTILE)),  # type: ignore[arg-type]
            lambda: wallet.balance(h(HOSTILE)),  # type: ignore[arg-type]
            lambda: wallet.transfer(account, h(HOSTILE), 5, idempotency_key="k4"),  # type: ignore[arg-type]
            lambda: wallet.history(account, limit=h(HOSTILE)),  # type: ignore[arg-type]
            lambda: wallet.system_balance(op, "house", h(HOSTILE), "real"),  # type: ignore[arg-type]
            lambda: wallet.system_balance(op, h(HOSTILE), "USD", h(HOSTILE)),  # type: ignore[arg-type]
            lambda: AccountKey(op, h(HOSTILE), h(HOSTILE), h(HOSTILE)),  # type: ignore[arg-type]
        ]
        call = calls[h(st.integers(0, len(calls) - 1))]
        if not _call(call):
            assert _snapshot(wallet, account) == before

    @SETTINGS
    @given(data=st.data())
    def test_provider_wallet(self, data: st.DataObject) -> None:
        """ProviderWallet.bet / win / rollback / bet_and_win with hostile ids and amounts."""
        store = MemoryProviderStore()
        pw = ProviderWallet(store, ProviderConfig("studio"))
        account = AccountKey("op", "p", USD)
        store.wallet.open_account(account)
        store.wallet.credit(account, 500, idempotency_key="dep", system_account="deposits")
        before = _snapshot(store.wallet, account)
        h = data.draw
        calls: list[Callable[[], object]] = [
            lambda: pw.balance(h(HOSTILE)),  # type: ignore[arg-type]
            lambda: pw.bet(account, tx_id=h(HOSTILE), round_id="r", amount=5),  # type: ignore[arg-type]
            lambda: pw.bet(account, tx_id="t", round_id=h(HOSTILE), amount=h(HOSTILE)),  # type: ignore[arg-type]
            lambda: pw.win(
                account, tx_id="w", round_id="r", bet_tx_id=h(HOSTILE), amount=h(HOSTILE)
            ),  # type: ignore[arg-type]
            lambda: pw.rollback(account, tx_id=h(HOSTILE), round_id="r", bet_tx_id="t"),  # type: ignore[arg-type]
            lambda: pw.bet_and_win(
                account, tx_id="t", round_id="r", bet=h(HOSTILE), win=h(HOSTILE)
            ),  # type: ignore[arg-type]
            lambda: pw.end_round(account, round_id=h(HOSTILE)),  # type: ignore[arg-type]
        ]
        if not _call(calls[h(st.integers(0, len(calls) - 1))]):
            assert _snapshot(store.wallet, account) == before


@pytest.fixture(scope="module")
def casino() -> Iterator[Casino]:
    """One in-memory casino; each example plays under its own operator."""
    c = Casino.in_memory()
    yield c
    c.close()


class TestCasino:
    """Casino.play and Casino.start with the current call shape and hostile bet fields."""

    @SETTINGS
    @given(data=st.data(), game=st.sampled_from([*INSTANT, *MULTI_STEP]))
    def test_play_and_start(self, casino: Casino, data: st.DataObject, game: str) -> None:
        """Only CasinoErrors; a refused call leaves balance, journal and rounds unchanged."""
        op = "op-" + uuid.uuid4().hex[:10]
        account = AccountKey(op, "p", USD)
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 1_000, idempotency_key="dep", system_account="deposits")
        h = data.draw
        params = h(hostile_params(game))
        stake = h(st.one_of(st.just(10), HOSTILE))
        currency = h(st.one_of(st.just("USD"), HOSTILE))
        mode = h(st.one_of(st.just("real"), HOSTILE))
        key = h(st.one_of(st.just("key-1"), HOSTILE))
        before = (*_snapshot(casino.wallet, account), casino.export_counts(op))
        play = casino.start if game in MULTI_STEP else casino.play
        refused = not _call(
            lambda: play(op, "p", currency, mode, game, params, stake, idempotency_key=key)  # type: ignore[arg-type]
        )
        if refused:
            assert (*_snapshot(casino.wallet, account), casino.export_counts(op)) == before


class TestEveryFixedValue:
    """Each fixed hostile value in each bet field, once (hypothesis draws them only sometimes)."""

    @pytest.mark.parametrize("game", [*INSTANT, *MULTI_STEP])
    def test_play_and_parse(self, casino: Casino, game: str) -> None:
        """Every FIXED value in every bet field: parse and play raise only CasinoErrors."""
        op = "op-" + uuid.uuid4().hex[:10]
        account = AccountKey(op, "p", USD)
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 1_000, idempotency_key="dep", system_account="deposits")
        play = casino.start if game in MULTI_STEP else casino.play
        for number, value in enumerate(FIXED):
            for name in BET_FIELDS[game]:
                params = {**VALID[game], name: value}
                _call(lambda p=params: get_game(game).parse(p))
                before = (*_snapshot(casino.wallet, account), casino.export_counts(op))
                key = f"k{number}-{name}"
                if not _call(
                    lambda p=params, k=key: play(
                        op, "p", "USD", "real", game, p, 1, idempotency_key=k
                    )
                ):
                    assert (*_snapshot(casino.wallet, account), casino.export_counts(op)) == before


class TestCatalog:
    """The operator's catalog file and the offering id of a request, hostile."""

    @SETTINGS
    @given(offering=HOSTILE)
    def test_offering_id(self, casino: Casino, offering: object) -> None:
        """Any value as the offering id of a bet: a CasinoError, nothing moved."""
        op = "op-" + uuid.uuid4().hex[:10]
        account = AccountKey(op, "p", USD)
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 1_000, idempotency_key="dep", system_account="deposits")
        before = (*_snapshot(casino.wallet, account), casino.export_counts(op))
        bet = {"target": "50", "condition": "over"}
        play = casino.play
        if not _call(lambda: play(op, "p", "USD", "real", offering, bet, 1, idempotency_key="k")):  # type: ignore[arg-type]
            assert (*_snapshot(casino.wallet, account), casino.export_counts(op)) == before

    @SETTINGS
    @given(
        field=st.sampled_from(["id", "game", "rules", "version", "choices", "max_stake",
                               "max_payout", "title", "rules_fingerprint", "extra"]),
        value=HOSTILE,
        rule=st.sampled_from(["house_edge", "decimals", "tables", "max_target"]),
    )  # fmt: skip
    def test_catalog_document(self, field: str, value: object, rule: str) -> None:
        """A published catalog with one hostile field (or rule) loads or is refused, no crash."""
        item: dict[str, object] = {"id": "dice-x", "game": "dice", "version": 1}
        item[field] = value
        if field == "rules":
            item["rules"] = {rule: value}
        _call(lambda: Catalog.from_dict({"catalog": 1, "offerings": [item]}))
        _call(lambda: Catalog.from_dict(value))
