"""examples/webapp: the Starlette host app driven over HTTP by Starlette's TestClient.

Needs the ``examples`` extra (starlette, httpx). Outside CI its absence skips these tests
with the reason; with ``CI`` set it fails them, so CI can never pass by skipping them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from _casino_backends import INSTANT_BETS, SEED_KEY
from casino_core.casino import CasinoSettings
from casino_core.cli import main as cli_main
from casino_core.errors import ConfigurationError, StorageUnavailable
from casino_core.games import verify_lines

APP_PATH = Path(__file__).resolve().parents[2] / "examples" / "webapp" / "app.py"
ADMIN = {"Authorization": "Bearer admin-token-for-tests"}
DICE = {"target": "50.5", "condition": "over"}


def _load_app_module() -> ModuleType:
    """Import examples/webapp/app.py, or skip (fail under CI) without the examples extra."""
    try:
        import starlette.testclient  # noqa: F401  (needs httpx2, or httpx on old Starlette)
    except (ImportError, RuntimeError) as exc:
        message = (
            f"the web app example needs the 'examples' extra ({exc}); "
            "pip install -e '.[examples]' or run python3 run.py test"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so the web app tests must run)")
        pytest.skip(message)
    name = "casino_webapp_example"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, APP_PATH)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def webapp() -> ModuleType:
    """The example's module."""
    return _load_app_module()


@pytest.fixture
def make_client(webapp: ModuleType, tmp_path: Path) -> Iterator[Any]:
    """Build a TestClient over a fresh app on a SQLite file (closed at the end)."""
    from starlette.testclient import TestClient

    clients: list[Any] = []

    def build(settings: CasinoSettings | None = None, **kwargs: Any) -> Any:
        db = tmp_path / f"casino-{len(clients)}.db"
        app = webapp.create_app(
            db, seed_key=SEED_KEY, admin_token="admin-token-for-tests", settings=settings, **kwargs
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Any) -> Any:
    """A TestClient over a fresh app."""
    return make_client()


def fund(client: Any, player: str, amount: int, key: str = "f-1", **body: Any) -> Any:
    """Fund real USD (admin) unless ``body`` says otherwise."""
    payload = {"currency": "USD", "amount": amount, **body}
    return client.post(
        f"/players/{player}/fund", json=payload, headers={**ADMIN, "Idempotency-Key": key}
    )


def play(client: Any, player: str, key: str, game: str = "dice", **overrides: Any) -> Any:
    """POST /play with a 1.00 USD real stake unless overridden."""
    body = {"game": game, "params": DICE, "stake": 100, "currency": "USD", **overrides}
    return client.post(f"/players/{player}/play", json=body, headers={"Idempotency-Key": key})


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


class TestFunding:
    def test_demo_funding_needs_no_token(self, client: Any) -> None:
        """Play money is funded without the admin token; the balance shows it."""
        r = client.post(
            "/players/alice/fund",
            json={"currency": "USD", "mode": "demo", "amount": 5_000},
            headers={"Idempotency-Key": "d-1"},
        )
        assert r.status_code == 200
        assert r.json() == {
            "currency": "USD",
            "mode": "demo",
            "available": 5_000,
            "held": 0,
            "posted": 5_000,
        }
        balance = client.get("/players/alice/balance", params={"currency": "USD", "mode": "demo"})
        assert balance.json()["available"] == 5_000

    def test_real_funding_needs_the_admin_token(self, client: Any) -> None:
        """Real money without (or with a wrong) token is 403 and moves nothing."""
        body = {"currency": "USD", "amount": 100}
        bare = client.post("/players/bob/fund", json=body, headers={"Idempotency-Key": "k"})
        wrong = client.post(
            "/players/bob/fund",
            json=body,
            headers={"Idempotency-Key": "k", "Authorization": "Bearer nope"},
        )
        assert (bare.status_code, wrong.status_code) == (403, 403)
        assert error_code(bare) == "FORBIDDEN"
        assert client.get("/players/bob/balance", params={"currency": "USD"}).status_code == 404
        assert fund(client, "bob", 100).status_code == 200

    def test_funding_replay_credits_once(self, client: Any) -> None:
        """The same Idempotency-Key funds once."""
        fund(client, "carol", 700, key="dep-1")
        again = fund(client, "carol", 700, key="dep-1")
        assert again.status_code == 200
        assert again.json()["available"] == 700

    def test_unknown_account_is_404(self, client: Any) -> None:
        """A balance nobody opened is ACCOUNT_NOT_FOUND."""
        r = client.get("/players/nobody/balance", params={"currency": "USD"})
        assert r.status_code == 404
        assert error_code(r) == "ACCOUNT_NOT_FOUND"

    def test_bad_amount_is_400(self, client: Any) -> None:
        """A fractional, negative or string amount is refused with a code."""
        for amount in (1.5, -3, "100", True):
            r = fund(client, "dave", amount)
            assert r.status_code == 400, amount
            assert error_code(r) in {"INVALID_INPUT", "INVALID_AMOUNT"}


class TestPlay:
    @pytest.mark.parametrize(("game", "params"), INSTANT_BETS, ids=[g for g, _ in INSTANT_BETS])
    def test_every_instant_game(self, client: Any, game: str, params: dict[str, Any]) -> None:
        """Each instant game plays; the balance after is funding - stake + payout."""
        fund(client, "alice", 10_000)
        r = play(client, "alice", "bet-1", game=game, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["game"], body["status"], body["nonce"]) == (game, "settled", 0)
        assert body["balance_after"] == 10_000 - 100 + body["payout"]
        assert "server_seed" not in body
        balance = client.get("/players/alice/balance", params={"currency": "USD"}).json()
        assert balance["available"] == body["balance_after"]

    def test_replay_returns_the_same_round(self, client: Any) -> None:
        """The same key and body returns the first round; money moved once."""
        fund(client, "alice", 1_000)
        first = play(client, "alice", "bet-1")
        second = play(client, "alice", "bet-1")
        assert second.status_code == 200
        assert second.json() == first.json()
        balance = client.get("/players/alice/balance", params={"currency": "USD"}).json()
        assert balance["available"] == first.json()["balance_after"]

    def test_same_key_other_body_is_409(self, client: Any) -> None:
        """Reusing a key for another stake is IDEMPOTENCY_CONFLICT."""
        fund(client, "alice", 1_000)
        play(client, "alice", "bet-1")
        r = play(client, "alice", "bet-1", stake=200)
        assert r.status_code == 409
        assert error_code(r) == "IDEMPOTENCY_CONFLICT"

    def test_keys_are_per_player(self, client: Any) -> None:
        """Two players may use the same key: the app namespaces keys by player."""
        fund(client, "alice", 1_000)
        fund(client, "bob", 1_000)
        a, b = play(client, "alice", "bet-1"), play(client, "bob", "bet-1")
        assert (a.status_code, b.status_code) == (200, 200)
        assert a.json()["round_id"] != b.json()["round_id"]

    def test_missing_key_is_400(self, client: Any) -> None:
        """No Idempotency-Key header: 400 before anything moves."""
        fund(client, "alice", 1_000)
        body = {"game": "dice", "params": DICE, "stake": 100, "currency": "USD"}
        r = client.post("/players/alice/play", json=body)
        assert r.status_code == 400
        assert error_code(r) == "IDEMPOTENCY_KEY_REQUIRED"

    def test_insufficient_funds_is_402(self, client: Any) -> None:
        """A stake above the balance is 402 and leaves the balance and the nonce alone."""
        fund(client, "alice", 50)
        r = play(client, "alice", "bet-1")
        assert r.status_code == 402
        assert error_code(r) == "INSUFFICIENT_FUNDS"
        assert (
            client.get("/players/alice/balance", params={"currency": "USD"}).json()["available"]
            == 50
        )
        assert client.get("/players/alice/seeds").json()["nonce"] == 0

    def test_bad_params_are_400_with_the_code(self, client: Any) -> None:
        """An invalid bet names its field under INVALID_BET."""
        fund(client, "alice", 1_000)
        r = play(client, "alice", "bet-1", params={"target": "150", "condition": "over"})
        assert r.status_code == 400
        assert error_code(r) == "INVALID_BET"
        assert "target" in r.json()["error"]["message"]

    @pytest.mark.parametrize(
        "overrides",
        [
            {"game": "poker"},
            {"game": "mines", "params": {"mines": 3}},
            {"stake": "100"},
            {"stake": 0},
            {"currency": "XYZ"},
            {"currency": 5},
            {"mode": "fun"},
            {"params": [1, 2]},
        ],
    )
    def test_malformed_requests_are_400(self, client: Any, overrides: dict[str, Any]) -> None:
        """Wrong games, types, amounts, currencies and modes are 400 with an error code."""
        fund(client, "alice", 1_000)
        r = play(client, "alice", "bet-1", **overrides)
        assert r.status_code == 400, r.text
        assert error_code(r).startswith(("INVALID_", "UNKNOWN_"))

    def test_non_json_body_is_400(self, client: Any) -> None:
        """A body that is not a JSON object is INVALID_INPUT."""
        for content in (b"not json", b"[1, 2]"):
            r = client.post(
                "/players/alice/play", content=content, headers={"Idempotency-Key": "k"}
            )
            assert r.status_code == 400
            assert error_code(r) == "INVALID_INPUT"

    def test_limit_is_422(self, make_client: Any) -> None:
        """A stake above max_stake is LIMIT_EXCEEDED."""
        client = make_client(CasinoSettings(max_stake={"USD": 50}))
        fund(client, "alice", 1_000)
        r = play(client, "alice", "bet-1")
        assert r.status_code == 422
        assert error_code(r) == "LIMIT_EXCEEDED"

    def test_unexpected_error_is_a_generic_500(
        self, client: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A bug's message never reaches the client."""

        def boom(*args: object, **kwargs: object) -> None:
            raise RuntimeError("internal detail /srv/secret.db")

        monkeypatch.setattr(client.app.state.casino, "play", boom)
        r = play(client, "alice", "bet-1")
        assert r.status_code == 500
        assert r.json() == {"error": {"code": "INTERNAL_ERROR", "message": "internal error"}}

    def test_storage_failure_is_503_without_details(
        self, client: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """STORAGE_UNAVAILABLE is 503 with a retry hint, not the driver's message."""

        def down(*args: object, **kwargs: object) -> None:
            raise StorageUnavailable("db-host.internal:5432 refused the connection")

        monkeypatch.setattr(client.app.state.casino, "play", down)
        r = play(client, "alice", "bet-1")
        assert r.status_code == 503
        assert error_code(r) == "STORAGE_UNAVAILABLE"
        assert "db-host" not in r.text


class TestSeeds:
    def test_commitment_then_reveal(self, client: Any) -> None:
        """No response shows the server seed before rotation; the reveal hashes to the
        commitment shown before play, and the next commitment becomes active."""
        fund(client, "alice", 10_000)
        before = client.get("/players/alice/seeds")
        seen = [before.text]
        seeds = before.json()
        assert set(seeds) == {
            "server_seed_hash",
            "next_server_seed_hash",
            "client_seed",
            "nonce",
            "scheme",
        }
        for n in range(3):
            r = play(client, "alice", f"bet-{n}")
            assert r.json()["server_seed_hash"] == seeds["server_seed_hash"]
            seen.append(r.text)
        seen.append(client.get("/players/alice/seeds").text)
        seen.append(client.get("/players/alice/export", params={"pending": "true"}).text)

        rotation = client.post("/players/alice/seeds/rotate").json()
        server_seed = rotation["revealed"]["server_seed"]
        assert hashlib.sha256(server_seed.encode()).hexdigest() == seeds["server_seed_hash"]
        assert rotation["revealed"]["nonces_used"] == 3
        assert rotation["active"]["server_seed_hash"] == seeds["next_server_seed_hash"]
        assert rotation["active"]["nonce"] == 0
        assert all(server_seed not in text for text in seen)

    def test_client_seed_change_rotates(self, client: Any) -> None:
        """Setting a client seed reveals the old pair and activates the new client seed."""
        old = client.get("/players/alice/seeds").json()
        r = client.post("/players/alice/seeds/client-seed", json={"client_seed": "my-lucky-seed"})
        assert r.status_code == 200
        body = r.json()
        assert body["revealed"]["server_seed_hash"] == old["server_seed_hash"]
        assert body["revealed"]["client_seed"] == old["client_seed"]
        assert body["active"]["client_seed"] == "my-lucky-seed"
        assert client.get("/players/alice/seeds").json() == body["active"]

    def test_rotate_to_another_scheme(self, client: Any) -> None:
        """The rotation body may choose the new pair's scheme; unknown ones are 400."""
        r = client.post("/players/alice/seeds/rotate", json={"scheme": "stake"})
        assert r.json()["active"]["scheme"] == "stake"
        bad = client.post("/players/alice/seeds/rotate", json={"scheme": "lucky"})
        assert bad.status_code == 400
        assert error_code(bad) == "UNKNOWN_SCHEME"

    @pytest.mark.parametrize("seed", ["", " padded", "x" * 65, 42])
    def test_bad_client_seed_is_400(self, client: Any, seed: object) -> None:
        """Empty, padded, too long or non-string client seeds are refused; nothing rotates."""
        before = client.get("/players/alice/seeds").json()
        r = client.post("/players/alice/seeds/client-seed", json={"client_seed": seed})
        assert r.status_code == 400
        assert error_code(r) in {"INVALID_SEED", "INVALID_INPUT"}
        assert client.get("/players/alice/seeds").json() == before


class TestExport:
    def test_export_verifies_round_by_round(self, client: Any, tmp_path: Path) -> None:
        """After a rotation every exported round verifies, by the library and by the CLI."""
        fund(client, "alice", 100_000)
        for n, (game, params) in enumerate(INSTANT_BETS):
            assert play(client, "alice", f"bet-{n}", game=game, params=params).status_code == 200
        client.post("/players/alice/seeds/rotate")
        r = client.get("/players/alice/export")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/x-ndjson")
        assert r.headers["x-pending-rounds"] == "0"
        lines = r.text.splitlines()
        assert [json.loads(line)["game"] for line in lines] == [g for g, _ in INSTANT_BETS]
        checks = list(verify_lines(lines))
        assert len(checks) == len(INSTANT_BETS)
        assert all(check.ok for check in checks)
        path = tmp_path / "alice.jsonl"
        path.write_text(r.text)
        assert cli_main(["verify", str(path)]) == 0

    def test_rounds_stay_pending_until_the_reveal(self, client: Any) -> None:
        """Before a rotation the export has no records; ?pending=true lists them seedless."""
        fund(client, "alice", 1_000)
        play(client, "alice", "bet-1")
        r = client.get("/players/alice/export")
        assert (r.text, r.headers["x-pending-rounds"]) == ("", "1")
        pending = [
            json.loads(line)
            for line in client.get("/players/alice/export", params={"pending": "true"}).text.split()
        ]
        assert len(pending) == 1
        assert "round_id" in pending[0]
        assert "server_seed" not in pending[0]

    def test_export_is_per_player(self, client: Any) -> None:
        """A player's export holds only that player's rounds."""
        fund(client, "alice", 1_000)
        fund(client, "bob", 1_000)
        play(client, "alice", "a-1")
        play(client, "bob", "b-1")
        play(client, "bob", "b-2")
        assert client.get("/players/alice/export").headers["x-pending-rounds"] == "1"
        assert client.get("/players/bob/export").headers["x-pending-rounds"] == "2"


class TestMultiStep:
    def test_mines_round_over_http(self, client: Any) -> None:
        """Start a mines round, reveal a tile, then cash out or bust; it exports and verifies."""
        fund(client, "alice", 1_000)
        start = client.post(
            "/players/alice/rounds",
            json={"game": "mines", "params": {"mines": 1}, "stake": 100, "currency": "USD"},
            headers={"Idempotency-Key": "m-1"},
        )
        assert start.status_code == 200, start.text
        rid = start.json()["round_id"]
        assert start.json()["status"] == "playing"
        r = client.post(
            f"/players/alice/rounds/{rid}/act", json={"action": {"reveal": 0}, "step": 0}
        )
        assert r.status_code == 200, r.text
        if r.json()["status"] == "playing":
            r = client.post(
                f"/players/alice/rounds/{rid}/act", json={"action": "cash_out", "step": 1}
            )
        final = r.json()
        assert final["status"] in {"cashed_out", "busted"}
        balance = client.get("/players/alice/balance", params={"currency": "USD"}).json()
        assert balance["available"] == 1_000 - 100 + final["payout"]
        client.post("/players/alice/seeds/rotate")
        lines = client.get("/players/alice/export").text.splitlines()
        assert len(lines) == 1
        assert all(check.ok for check in verify_lines(lines))

    def test_another_players_round_is_404(self, client: Any) -> None:
        """A player cannot act on someone else's round (nor on an unknown id)."""
        fund(client, "alice", 1_000)
        start = client.post(
            "/players/alice/rounds",
            json={"game": "hilo", "stake": 100, "currency": "USD"},
            headers={"Idempotency-Key": "h-1"},
        )
        rid = start.json()["round_id"]
        for path in (f"/players/mallory/rounds/{rid}/act", "/players/alice/rounds/nope/act"):
            r = client.post(path, json={"action": "cash_out"})
            assert r.status_code == 404
            assert error_code(r) == "ROUND_NOT_FOUND"
        assert (
            client.post(f"/players/alice/rounds/{rid}/act", json={"action": "skip"}).json()[
                "status"
            ]
            == "playing"
        )

    def test_rotation_waits_for_an_open_round(self, client: Any) -> None:
        """Rotating while a round is open is 409 ROUND_IN_PROGRESS (it would reveal the mines)."""
        fund(client, "alice", 1_000)
        client.post(
            "/players/alice/rounds",
            json={"game": "mines", "params": {"mines": 3}, "stake": 100, "currency": "USD"},
            headers={"Idempotency-Key": "m-1"},
        )
        r = client.post("/players/alice/seeds/rotate")
        assert r.status_code == 409
        assert error_code(r) == "ROUND_IN_PROGRESS"

    def test_instant_game_is_not_started(self, client: Any) -> None:
        """POST /rounds is for mines and hilo only."""
        fund(client, "alice", 1_000)
        r = client.post(
            "/players/alice/rounds",
            json={"game": "dice", "params": DICE, "stake": 100, "currency": "USD"},
            headers={"Idempotency-Key": "x"},
        )
        assert r.status_code == 400
        assert error_code(r) == "INVALID_BET"


class TestMetrics:
    def test_metrics_count_what_was_played(self, make_client: Any) -> None:
        """With metrics on, /metrics shows the rounds, stakes, rotations and limits."""
        client = make_client(CasinoSettings(max_stake={"USD": 500}), metrics=True)
        fund(client, "alice", 10_000)
        played = [play(client, "alice", f"bet-{n}").json() for n in range(3)]
        assert play(client, "alice", "big", stake=600).status_code == 422
        client.post("/players/alice/seeds/rotate")
        r = client.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        from prometheus_client.parser import text_string_to_metric_families

        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(r.text)
            for sample in family.samples
        }
        usd = (("currency", "USD"), ("mode", "real"))
        dice = (("currency", "USD"), ("game", "dice"), ("mode", "real"))
        assert samples["casino_core_rounds_settled_total", dice] == 3
        assert samples["casino_core_stake_minor_units_total", usd] == 300
        payout = sum(round_["payout"] for round_ in played)
        assert samples["casino_core_payout_minor_units_total", usd] == payout
        assert samples["casino_core_seed_rotations_total", ()] == 1
        assert samples["casino_core_limits_hit_total", (("limit", "max_stake"),)] == 1
        assert "alice" not in r.text

    def test_no_metrics_route_by_default(self, client: Any) -> None:
        """Without metrics=True there is no /metrics."""
        assert client.get("/metrics").status_code == 404


class TestConfiguration:
    def test_from_env_refuses_without_a_seed_key(
        self, webapp: ModuleType, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No CASINO_WEBAPP_SEED_KEY: ConfigurationError naming the variable."""
        monkeypatch.delenv("CASINO_WEBAPP_SEED_KEY", raising=False)
        with pytest.raises(ConfigurationError, match="CASINO_WEBAPP_SEED_KEY"):
            webapp.app_from_env()

    def test_from_env_refuses_a_short_key(
        self, webapp: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """A key under 32 bytes refuses to start."""
        monkeypatch.setenv("CASINO_WEBAPP_SEED_KEY", "ab" * 16)
        monkeypatch.setenv("CASINO_WEBAPP_DB", str(tmp_path / "env.db"))
        with pytest.raises(ConfigurationError):
            webapp.app_from_env()

    def test_from_env_serves(
        self, webapp: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """With a key and a path the app serves seeds under the configured operator."""
        from starlette.testclient import TestClient

        monkeypatch.setenv("CASINO_WEBAPP_SEED_KEY", SEED_KEY.hex())
        monkeypatch.setenv("CASINO_WEBAPP_DB", str(tmp_path / "env.db"))
        monkeypatch.setenv("CASINO_WEBAPP_OPERATOR", "env-op")
        with TestClient(webapp.app_from_env()) as client:
            assert client.get("/players/alice/seeds").status_code == 200
            seeds = client.app.state.casino.seeds("env-op", "alice")
            assert client.get("/players/alice/seeds").json()["server_seed_hash"] == (
                seeds.server_seed_hash
            )
        assert (tmp_path / "env.db").exists()
