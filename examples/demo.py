"""The main job of casino_core, end to end, on the embedded default (no services needed).

A player gets a seed pair (commitment shown first), plays a few provably-fair draws, changes
the client seed (which reveals the old server seed), and an auditor re-derives every result
from the revealed seed alone.

    python3 run.py demo
"""

from __future__ import annotations

from casino_core.fairness import SeedPair, stream_ints, verify_commitment


def main() -> None:
    pair = SeedPair(client_seed="player-chosen-seed", scheme="unbiased")
    print("Before any bet the player sees the commitment:")
    print(f"  server seed hash: {pair.commitment}")
    print(f"  next seed hash:   {pair.next_commitment}")

    rolls: list[tuple[int, int]] = []
    for _ in range(5):
        nonce, rng = pair.draw()
        roll = rng.int_below(10001)  # a dice roll 0.00 .. 100.00 in hundredths
        rolls.append((nonce, roll))
        print(f"  bet nonce {nonce}: roll {roll / 100:6.2f}")

    rotation = pair.rotate("a-new-client-seed")
    revealed = rotation.revealed
    print("The player changes the client seed; the old server seed is revealed:")
    print(f"  server seed:      {revealed.server_seed}")
    print(f"  next pair hash:   {rotation.next_commitment} (announced earlier)")

    print("An auditor checks everything from the revealed seed alone:")
    assert verify_commitment(revealed.server_seed, revealed.commitment)
    for nonce, roll in rolls:
        again = stream_ints(
            revealed.scheme, revealed.server_seed, revealed.client_seed, nonce, 10001, 1
        )[0]
        assert again == roll, (nonce, again, roll)
    print(f"  commitment matches, {len(rolls)} of {len(rolls)} rolls reproduced: OK")


if __name__ == "__main__":
    main()
