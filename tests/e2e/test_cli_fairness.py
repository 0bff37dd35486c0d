"""The ``casino-core`` provably-fair commands, run as a user runs them."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from casino_core.cli import main
from casino_core.fairness import HashChain

SEED = "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159"
SALT = "0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4"
GAME = "b4e7b335045da0a2666145980d03ed440a2e150e5369c72c7e6e24aeeb95f791"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casino_core.cli", *args],
        capture_output=True,
        text=True,
        check=False,
    )


class TestSeedsAndRng:
    """seeds new and rng."""

    def test_seeds_new_json(self) -> None:
        """A fresh seed whose SHA-256 is the printed commitment."""
        out = run("seeds", "new", "--json")
        assert out.returncode == 0
        data = json.loads(out.stdout)
        assert hashlib.sha256(data["server_seed"].encode()).hexdigest() == data["commitment"]

    def test_rng_stake_floats(self) -> None:
        """The first floats of a published vector (see test_stake_known_answers)."""
        out = run(
            "rng", "--scheme", "stake", "--server-seed", SEED, "--client-seed", "bb62964774",
            "--nonce", "1", "--count", "2", "--json",
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        floats = json.loads(out.stdout)["floats"]
        assert [round(f, 12) for f in floats] == [0.771740999306, 0.889090552926]

    def test_rng_stake_takes_any_revealed_seed_text(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Under stake a 32-character revealed seed is taken as it is: the floats of the
        public Stake verifier's flip data (provably-fair-betting/verifierform-stake,
        tests/lib/games/testcases/flip.json, nonce 0: heads x4, then tails; tails <= 0.5)."""
        code = main(
            ["rng", "--scheme", "stake", "--server-seed", "8b9c7cf18c001dfb7ea6f6fe52f3df95",
             "--client-seed", "247e90a65d07b3c4d629ada402918f03", "--nonce", "0",
             "--count", "5", "--json"]
        )  # fmt: skip
        assert code == 0
        floats = json.loads(capsys.readouterr().out)["floats"]
        assert [f <= 0.5 for f in floats] == [False, False, False, False, True]

    def test_rng_unbiased_ints(self, capsys: pytest.CaptureFixture[str]) -> None:
        """--ints-below gives integers in range."""
        code = main(
            ["rng", "--scheme", "unbiased", "--server-seed", SEED, "--client-seed", "c",
             "--nonce", "0", "--count", "20", "--ints-below", "6"]
        )  # fmt: skip
        values = [int(line) for line in capsys.readouterr().out.split()]
        assert code == 0
        assert len(values) == 20
        assert all(0 <= v < 6 for v in values)

    @pytest.mark.parametrize(
        "args",
        [
            [
                "rng",
                "--scheme",
                "unbiased",
                "--server-seed",
                "nothex",
                "--client-seed",
                "c",
                "--nonce",
                "0",
            ],
            ["rng", "--server-seed", "x" * 257, "--client-seed", "c", "--nonce", "0"],
            ["rng", "--server-seed", "", "--client-seed", "c", "--nonce", "0"],
            ["rng", "--server-seed", SEED, "--client-seed", "", "--nonce", "0"],
            [
                "rng",
                "--scheme",
                "bogus",
                "--server-seed",
                SEED,
                "--client-seed",
                "c",
                "--nonce",
                "0",
            ],
            ["rng", "--server-seed", SEED, "--client-seed", "c", "--nonce", "-1"],
            ["crash", "--scheme", "stake_crash", "--game-hash", "xyz", "--salt", SALT],
        ],
    )
    def test_bad_input_exits_2_with_a_clear_message(self, args: list[str]) -> None:
        """Bad hex, empty client seed, unknown scheme, negative nonce: exit 2, no traceback."""
        out = run(*args)
        assert out.returncode == 2
        assert "Traceback" not in out.stderr
        assert "error" in out.stderr
        assert SEED not in out.stderr


class TestCrashAndChain:
    """crash and chain verify."""

    def test_crash_stake_published_value(self) -> None:
        """stake.com's published crash point for this hash is 2.56."""
        out = run("crash", "--scheme", "stake_crash", "--game-hash", GAME, "--salt", SALT)
        assert out.returncode == 0
        assert out.stdout.strip() == "2.56"

    def test_chain_verify_linked_and_not(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Exit 0 and the game number when linked; exit 1 when not."""
        chain = HashChain.generate(12)
        argv = ["chain", "verify", "--terminal", chain.terminal_hash, "--json"]
        assert main([*argv, "--game-hash", chain.game_hash(5)]) == 0
        assert json.loads(capsys.readouterr().out) == {"linked": True, "game": 5}
        assert main([*argv, "--game-hash", GAME, "--max-distance", "50"]) == 1
        assert json.loads(capsys.readouterr().out)["linked"] is False
