"""Property: the request fingerprint a round is stored under (remembered per distinct set of
parts by the facade) is ``request_fingerprint`` of its parts, played once or many times."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casino_core.casino import Casino, CasinoSettings
from casino_core.casino._types import request_fingerprint
from casino_core.catalog._offering import bet_json
from casino_core.wallet import AccountKey

CASINO = Casino.in_memory(CasinoSettings(seed_key=b"k" * 32))
PLAYERS = ("p1", "p2")
for _player in PLAYERS:
    CASINO.wallet.open_account(AccountKey("op", _player, "USD", "real"))
    CASINO.wallet.credit(
        AccountKey("op", _player, "USD", "real"), 10**15, idempotency_key=f"fund-{_player}"
    )
TARGETS = st.sampled_from(["2", "50.5", "98"])
ROUNDS = st.lists(
    st.tuples(
        st.sampled_from(PLAYERS), TARGETS, st.sampled_from(["over", "under"]), st.integers(1, 3)
    ),
    min_size=1,
    max_size=6,
)
_played = iter(range(10**9))


@given(ROUNDS)
def test_stored_fingerprint_is_the_parts_fingerprint(
    rounds: list[tuple[str, str, str, int]],
) -> None:
    for player, target, condition, stake in rounds:
        bet = {"target": target, "condition": condition}
        key = f"k{next(_played)}"
        CASINO.play("op", player, "USD", "real", "dice", bet, stake, idempotency_key=key)
        stored = CASINO._store.find_round("op", key)
        assert stored is not None
        parts = ("op", player, "USD", 2, "real", "dice", bet_json(bet), str(stake))
        assert stored[0] == request_fingerprint(*parts)
