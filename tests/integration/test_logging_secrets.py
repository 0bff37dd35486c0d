"""Operational logging: every record the library logs over a busy scenario (rounds played
and refused, a lost race retried, a storage error, a signed provider call, a saga, a
reconciliation) is at its documented level and carries no secret: no server seed before or
after its reveal, no seed key, no provider key, no request signature."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from _presets import MERCHANT_KEY, make_slotegrator, slotegrator_request
from casino_core import _retry
from casino_core.casino import Casino, CasinoSettings
from casino_core.casino.sql import SqlCasinoStore, create_casino_schema
from casino_core.errors import InvalidBet, LimitExceeded, StorageUnavailable
from casino_core.ledger import MemorySagaStore, SagaCoordinator, ledger_flows, start_withdrawal
from casino_core.provider import MemoryProviderStore
from casino_core.testing import FakePaymentPort
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

SEED_KEY = bytes.fromhex("5ec2e7" * 10 + "ab00")  # 32 bytes, recognisable in any encoding
DICE = {"target": "50.5", "condition": "over"}


class _Sqlstate(Exception):
    """A driver error carrying a PostgreSQL SQLSTATE (40001: serialization failure)."""

    def __init__(self, state: str) -> None:
        super().__init__("could not serialize access due to concurrent update (injected)")
        self.sqlstate = state


def _fail_once(engine: Any, when: str, error: Exception) -> list[int]:
    """Make the next statement starting with ``when`` raise ``error`` (once)."""
    fired: list[int] = []

    def hook(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if not fired and statement.lstrip().upper().startswith(when):
            fired.append(1)
            raise OperationalError(statement, params, error)

    event.listen(engine, "before_cursor_execute", hook)
    return fired


class TestLogsCarryNoSecret:
    """One scenario, every record checked."""

    def test_scenario(
        self, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Refusals at INFO/DEBUG, the retry at WARNING, the storage error at ERROR, events
        on casino_core.events; no secret in any message, argument or traceback."""
        monkeypatch.setattr(_retry, "pause", lambda seconds: None)  # no real waiting
        engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
        create_casino_schema(engine)
        settings = CasinoSettings(seed_key=SEED_KEY, max_stake={"USD": 500})
        # The faults below are planted through SQLAlchemy's statement hook, which the driver
        # fast path of a plain round bypasses: this casino's rounds take the general path.
        casino_store = SqlCasinoStore(SqlWallet(engine), fast_path=False)
        casino = Casino(casino_store, settings, listener=lambda e: None)
        alice = AccountKey("op", "alice", "USD")
        secrets: list[str] = [SEED_KEY.hex(), repr(SEED_KEY), MERCHANT_KEY.decode()]

        with caplog.at_level(logging.DEBUG, logger="casino_core"):
            casino.wallet.open_account(alice)
            casino.wallet.credit(alice, 10_000, idempotency_key="d", system_account="deposits")
            casino.play("op", "alice", "USD", "real", "dice", DICE, 100, idempotency_key="r1")
            with pytest.raises(LimitExceeded):
                casino.play("op", "alice", "USD", "real", "dice", DICE, 900, idempotency_key="r2")
            with pytest.raises(InvalidBet):
                casino.play("op", "alice", "USD", "real", "dice", {"target": "x"}, 100,
                            idempotency_key="r3")  # fmt: skip
            lost = _fail_once(engine, "INSERT", _Sqlstate("40001"))
            casino.play("op", "alice", "USD", "real", "dice", DICE, 100, idempotency_key="r4")
            assert lost == [1]
            broken = _fail_once(engine, "INSERT", _Sqlstate("XX000"))
            with pytest.raises(StorageUnavailable):
                casino.play("op", "alice", "USD", "real", "dice", DICE, 100, idempotency_key="r5")
            assert broken == [1]
            secrets.append(casino.rotate_seed("op", "alice").revealed.server_seed)
            casino.play("op", "alice", "USD", "real", "dice", DICE, 100, idempotency_key="r6")
            assert not casino.reconcile("op").differences

            store = MemoryProviderStore()
            player = AccountKey("op", "player-42", "USD")
            store.wallet.open_account(player)
            store.wallet.credit(player, 5_000, idempotency_key="f", system_account="deposits")
            preset = make_slotegrator(store, "op")
            bet = {"action": "bet", "player_id": "player-42", "currency": "USD",
                   "session_id": "s-1", "game_uuid": "g-1", "transaction_id": "t1",
                   "round_id": "round-1", "amount": "5.00", "type": "bet"}  # fmt: skip
            body, headers = slotegrator_request(bet)
            secrets.append(headers["X-Sign"])
            preset.handle(body, headers)
            bad = {**headers, "X-Sign": "0" * 40}
            preset.handle(body, bad)  # a refused signature: answered, logged without it

            payouts = FakePaymentPort()
            sagas = SagaCoordinator(MemorySagaStore(), ledger_flows(casino.wallet, payouts=payouts))
            now = datetime.now(UTC)
            start_withdrawal(sagas, "wd-1", alice, 1_000, deadline=now + timedelta(minutes=5),
                             hold_until=now + timedelta(minutes=30))  # fmt: skip
            secrets.append(casino.rotate_seed("op", "alice").revealed.server_seed)
        casino.close()

        records = [r for r in caplog.records if r.name.startswith("casino_core")]
        by_level = {(r.name, r.levelno) for r in records}
        assert ("casino_core._retry", logging.WARNING) in by_level
        assert ("casino_core.wallet._sql", logging.ERROR) in by_level
        assert ("casino_core.casino._facade", logging.INFO) in by_level  # max_stake refusal
        assert ("casino_core.casino._facade", logging.DEBUG) in by_level  # the bad bet
        assert ("casino_core.events", logging.INFO) in by_level  # reconcile, saga finished
        assert ("casino_core.events", logging.DEBUG) in by_level  # movements, saga steps
        assert any("attempt 1 of" in r.getMessage() for r in records)
        events = " ".join(r.getMessage() for r in records if r.name == "casino_core.events")
        for kind in ("MovementApplied", "ProviderCall", "SagaStepDone", "SagaFinished"):
            assert kind in events  # logged without any listener on those components
        for record in records:
            text = " ".join(
                [record.getMessage(), repr(record.args), record.exc_text or "",
                 str(record.exc_info[1]) if record.exc_info else ""]
            )  # fmt: skip
            for secret in secrets:
                assert secret not in text, (record.name, record.levelname)
