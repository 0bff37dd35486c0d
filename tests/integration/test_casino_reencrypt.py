"""Re-encryption after a key rotation: every sealed seed moves to the active key id."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import _service_data
from casino_core.casino import Casino, CasinoSettings, SeedCipher, SeedKeys
from casino_core.casino.sql import SqlCasinoStore, crash_chains, create_casino_schema, seed_pairs
from casino_core.cli import main
from casino_core.errors import ConfigurationError, SeedKeyUnavailable
from casino_core.wallet import AccountKey
from casino_core.wallet.sql import SqlWallet, make_engine

K0, K1, K2 = (bytes([n]) * 32 for n in (7, 8, 9))
OLD = SeedKeys({"k1": K1}, active="k1")
BOTH = SeedKeys({"k1": K1, "k2": K2}, active="k2")
NEW_ONLY = SeedKeys({"k2": K2}, active="k2")
DICE = {"target": "50", "condition": "over"}


def populate(casino: Casino, players: int = 3) -> None:
    """Seed pairs (active and revealed, with rounds) and a crash chain."""
    for n in range(players):
        account = AccountKey("op", f"p{n}", "USD")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 1000, idempotency_key=f"d{n}", system_account="deposits")
        casino.play("op", f"p{n}", "USD", "real", "dice", DICE, 10, idempotency_key=f"b{n}")
        casino.rotate_seed("op", f"p{n}")
    casino.crash_table("op", "t1").new_chain(20)


def still_plays(casino: Casino) -> None:
    """Every player's seeds open: play, rotate (reveal), export; then close the casino."""
    for n in range(3):
        casino.play("op", f"p{n}", "USD", "real", "dice", DICE, 10, idempotency_key=f"c{n}")
        assert casino.rotate_seed("op", f"p{n}").revealed.verify()
    assert casino.crash_table("op", "t1").chain().length == 20
    assert len(casino.export("op").records) == 6
    casino.close()


def stored(engine: Engine) -> list[str]:
    """Every sealed value: both seeds of every pair, every chain seed."""
    s = seed_pairs.c
    with engine.connect() as conn:
        pairs = conn.execute(select(s.server_seed, s.next_server_seed)).all()
        chains = conn.execute(select(crash_chains.c.chain_seed)).scalars().all()
    return [v for row in pairs for v in row] + list(chains)


class TestMemoryReseal:
    """MemoryCasinoStore.reseal_seeds."""

    def test_moves_everything_and_is_idempotent(self) -> None:
        """All seeds move to k2; a second run changes nothing; k1 is no longer needed."""
        casino = Casino.in_memory(CasinoSettings(seed_key=OLD))
        populate(casino)
        store = casino._store
        counts = store.reseal_seeds(SeedCipher(BOTH))  # type: ignore[attr-defined]
        assert (counts.key_id, counts.seed_pairs, counts.chain_seeds) == ("k2", 6, 1)
        again = store.reseal_seeds(SeedCipher(BOTH))  # type: ignore[attr-defined]
        assert (again.seed_pairs, again.chain_seeds) == (0, 0)
        still_plays(Casino(store, CasinoSettings(seed_key=NEW_ONLY)))

    def test_needs_keys(self) -> None:
        """Without keys there is nothing to seal under: ConfigurationError."""
        with pytest.raises(ConfigurationError, match="needs the seed keys"):
            Casino.in_memory()._store.reseal_seeds(SeedCipher())  # type: ignore[attr-defined]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'casino.db'}"
    engine = make_engine(url)
    create_casino_schema(engine)
    engine.dispose()
    return url


@pytest.fixture
def reseal_pg_schema(postgres_url: str) -> Iterator[str]:
    """A schema of its own: a reseal rewrites every row of its schema."""
    yield from _service_data.pg_schema(postgres_url, "cc_reseal_", create_casino_schema)


OPENED: list[Casino] = []
"""The casinos ``_sql_casino`` made in the running test, closed after it."""


@pytest.fixture(autouse=True)
def _close_casinos() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def _sql_casino(url: str, schema: str | None, keys: SeedKeys | None) -> Casino:
    casino = Casino(
        SqlCasinoStore(SqlWallet(make_engine(url), schema=schema)), CasinoSettings(seed_key=keys)
    )
    OPENED.append(casino)
    return casino


class TestSqlReseal:
    """SqlCasinoStore.reseal_seeds on SQLite and PostgreSQL."""

    def _check(self, url: str, schema: str | None) -> None:
        casino = _sql_casino(url, schema, OLD)
        populate(casino)
        store = casino._store
        assert isinstance(store, SqlCasinoStore)
        counts = store.reseal_seeds(SeedCipher(BOTH), batch=2)
        assert (counts.seed_pairs, counts.chain_seeds) == (6, 1)
        engine = store._wallet.engine
        values = stored(engine)
        assert len(values) == 13
        assert all(v.startswith("v2:k2:") for v in values)
        assert store.reseal_seeds(SeedCipher(BOTH)).seed_pairs == 0
        still_plays(_sql_casino(url, schema, NEW_ONLY))
        casino.close()

    def test_sqlite(self, sqlite_url: str) -> None:
        """Every row moves to the new key id; idempotent; the old key is then not needed."""
        self._check(sqlite_url, None)

    @pytest.mark.postgres
    def test_postgres(self, postgres_url: str, reseal_pg_schema: str) -> None:
        """The same on PostgreSQL (rows locked per page)."""
        self._check(postgres_url, reseal_pg_schema)

    def test_plain_seeds_get_sealed(self, sqlite_url: str) -> None:
        """Seeds stored without a key are sealed under the active key."""
        casino = _sql_casino(sqlite_url, None, None)
        populate(casino)
        assert all(v.startswith("plain:") for v in stored(casino._store._wallet.engine))  # type: ignore[attr-defined]
        casino._store.reseal_seeds(SeedCipher(NEW_ONLY))  # type: ignore[attr-defined]
        assert all(v.startswith("v2:k2:") for v in stored(casino._store._wallet.engine))  # type: ignore[attr-defined]
        still_plays(_sql_casino(sqlite_url, None, NEW_ONLY))

    def test_resumable_after_a_missing_key(self, sqlite_url: str) -> None:
        """A seed under an unknown key id stops the run with a typed error naming the id;
        the pages before it stay resealed; with the key added, a second run finishes."""
        populate(_sql_casino(sqlite_url, None, OLD))
        zero = _sql_casino(sqlite_url, None, SeedKeys({"k0": K0}, active="k0"))
        zero.seeds("op", "z")  # the last pair, sealed under k0
        store = _sql_casino(sqlite_url, None, None)._store
        assert isinstance(store, SqlCasinoStore)
        with pytest.raises(SeedKeyUnavailable, match="'k0'") as info:
            store.reseal_seeds(SeedCipher(BOTH), batch=1)
        assert info.value.key_id == "k0"
        values = stored(store._wallet.engine)
        assert sum(v.startswith("v2:k2:") for v in values) == 12  # the 6 pages (pairs) before it
        with_k0 = SeedKeys({"k0": K0, "k1": K1, "k2": K2}, active="k2")
        counts = store.reseal_seeds(SeedCipher(with_k0), batch=1)
        assert (counts.seed_pairs, counts.chain_seeds) == (1, 1)
        assert all(v.startswith("v2:k2:") for v in stored(store._wallet.engine))


def keys_document() -> str:
    return json.dumps(
        {
            "active": "k2",
            "keys": {k: base64.b64encode(v).decode() for k, v in (("k1", K1), ("k2", K2))},
        }
    )


class TestReencryptCommand:
    """casino-core seeds reencrypt: keys from a file or the environment, never echoed."""

    def test_keys_file(
        self, sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The command reseals every row and says how many, under which key id."""
        populate(_sql_casino(sqlite_url, None, OLD))
        path = tmp_path / "keys.json"
        path.write_text(keys_document())
        assert main(["seeds", "reencrypt", "--url", sqlite_url, "--keys-file", str(path)]) == 0
        out = capsys.readouterr().out
        assert "resealed 6 seed pairs and 1 chain seeds under key 'k2'" in out
        assert base64.b64encode(K2).decode() not in out
        assert main(["seeds", "reencrypt", "--url", sqlite_url, "--keys-file", str(path)]) == 0
        assert "resealed 0 seed pairs and 0 chain seeds" in capsys.readouterr().out

    def test_environment(
        self, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """URL and keys from the environment; missing keys are exit 2 with a clear message."""
        populate(_sql_casino(sqlite_url, None, OLD))
        monkeypatch.setenv("CASINO_CORE_WALLET_URL", sqlite_url)
        assert main(["seeds", "reencrypt"]) == 2
        assert "CASINO_CORE_SEED_KEYS" in capsys.readouterr().err
        monkeypatch.setenv("CASINO_CORE_SEED_KEYS", keys_document())
        assert main(["seeds", "reencrypt"]) == 0
        assert "under key 'k2'" in capsys.readouterr().out

    def test_refuses_non_sql_urls(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Memory and Redis URLs are refused (exit 2), the password redacted."""
        assert main(["seeds", "reencrypt", "--url", "redis://:pw-s3cret@h:6379/0"]) == 2
        err = capsys.readouterr().err
        assert "SQL casino store" in err
        assert "pw-s3cret" not in err
