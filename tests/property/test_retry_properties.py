"""The retry helper (``casino_core._retry``): full-jitter delays within their bounds, the
attempt count and the time budget honoured, the last typed error re-raised, WARNING logs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casino_core import _retry
from casino_core._retry import Backoff, Retry, retry
from casino_core.errors import InvalidInput, StorageUnavailable

policies = st.builds(
    Backoff,
    attempts=st.integers(1, 40),
    base=st.floats(0, 1, allow_nan=False),
    cap=st.floats(0, 5, allow_nan=False),
    budget=st.floats(0, 1_000, allow_nan=False),
)
unit_draws = st.floats(0, 1, exclude_max=True, allow_nan=False)


class _Clock:
    """A fake monotonic clock that the fake sleep advances."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _failing(times: int, result: str = "done") -> tuple[Callable[[], str], list[int]]:
    """A unit of work that loses ``times`` races (each with a numbered error), then returns."""
    calls: list[int] = []

    def work() -> str:
        calls.append(len(calls))
        if len(calls) <= times:
            raise Retry(StorageUnavailable(f"conflict {len(calls)}"))
        return result

    return work, calls


def _draws(values: list[float]) -> Callable[[], float]:
    it: Iterator[float] = iter(values)
    return lambda: next(it, 0.5)


class TestBackoff:
    """The pure schedule."""

    @given(policies, st.integers(0, 200), unit_draws)
    def test_delay_within_full_jitter_bounds(self, policy: Backoff, n: int, u: float) -> None:
        """Each delay is in [0, min(cap, base * 2**n)] and is that ceiling times the draw."""
        ceiling = min(policy.cap, policy.base * 2 ** min(n, 64))
        delay = policy.delay(n, lambda: u)
        assert 0 <= delay <= ceiling
        assert delay == pytest.approx(ceiling * u)

    @given(policies, st.integers(0, 100))
    def test_ceiling_grows_then_caps(self, policy: Backoff, n: int) -> None:
        """The ceiling never shrinks from one attempt to the next and never passes the cap."""
        assert policy.ceiling(n) <= policy.ceiling(n + 1) <= policy.cap

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"attempts": 0},
            {"attempts": True},
            {"attempts": 2.0},
            {"base": -1},
            {"cap": float("nan")},
            {"budget": float("inf")},
        ],
    )
    def test_bad_policy_refused(self, kwargs: dict[str, object]) -> None:
        """A schedule that cannot be honoured is refused with InvalidInput."""
        with pytest.raises(InvalidInput):
            Backoff(**kwargs)  # type: ignore[arg-type]


class TestRetry:
    """The driver: attempts, budget, the error raised, the sleep used."""

    @given(policies, st.integers(0, 60), st.lists(unit_draws, max_size=60))
    def test_attempts_and_delays_honoured(
        self, policy: Backoff, losses: int, draws: list[float]
    ) -> None:
        """Work that loses ``losses`` races returns if the policy allows that many retries,
        else raises the last loss's typed error; every wait is the schedule's own delay and
        the total wait stays within the budget."""
        clock = _Clock()
        work, calls = _failing(losses)
        draw = _draws(draws)
        expected_draws = iter([*draws, *[0.5] * 100])
        raised: StorageUnavailable | None = None
        try:
            assert retry(work, what="t", policy=policy, sleep=clock.sleep, rand=draw, clock=clock)
        except StorageUnavailable as exc:
            raised = exc
        succeeded = raised is None
        if raised is not None:  # the last loss's own error, not a new one
            assert raised.message == f"conflict {len(calls)}"
        assert len(calls) <= policy.attempts
        assert succeeded == (len(calls) == losses + 1)
        if len(calls) < policy.attempts and not succeeded:
            # stopped early: the next delay would have passed the budget
            assert clock.now <= policy.budget
        assert len(clock.slept) == len(calls) - 1
        for n, slept in enumerate(clock.slept):
            assert slept == pytest.approx(policy.ceiling(n) * next(expected_draws))
        assert sum(clock.slept) <= policy.budget + 1e-9

    def test_all_attempts_used_when_time_allows(self) -> None:
        """With a generous budget the work is called exactly ``attempts`` times."""
        clock = _Clock()
        work, calls = _failing(100)
        with pytest.raises(StorageUnavailable, match="conflict 5"):
            retry(
                work,
                what="t",
                policy=Backoff(attempts=5, base=0.01, cap=1, budget=100),
                sleep=clock.sleep,
                clock=clock,
            )
        assert len(calls) == 5
        assert len(clock.slept) == 4

    def test_budget_stops_early(self) -> None:
        """A budget shorter than the waits ends the retries before the attempts run out."""
        clock = _Clock()
        work, calls = _failing(100)
        with pytest.raises(StorageUnavailable):
            retry(
                work,
                what="t",
                policy=Backoff(attempts=50, base=1, cap=1, budget=2.5),
                sleep=clock.sleep,
                rand=lambda: 0.99,
                clock=clock,
            )
        assert len(calls) == 3  # waits of 0.99 each: a third would end past 2.5 s
        assert clock.now <= 2.5

    def test_other_errors_propagate_at_once(self) -> None:
        """An exception that is not a Retry is not retried."""
        clock = _Clock()
        calls: list[int] = []

        def work() -> None:
            calls.append(1)
            raise KeyError("boom")

        with pytest.raises(KeyError):
            retry(work, what="t", sleep=clock.sleep, clock=clock)
        assert calls == [1]
        assert clock.slept == []

    def test_default_sleep_is_pause(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without an injected sleep the helper waits through ``_retry.pause`` (looked up per
        call, so an async shell can redirect it)."""
        waited: list[float] = []
        monkeypatch.setattr(_retry, "pause", waited.append)
        work, _ = _failing(2)
        assert retry(work, what="t", rand=lambda: 0.5) == "done"
        assert len(waited) == 2
        assert waited[0] == pytest.approx(_retry.DEFAULT.ceiling(0) * 0.5)

    def test_retries_logged_at_warning(self, caplog: pytest.LogCaptureFixture) -> None:
        """Each retry is a WARNING on casino_core._retry naming the attempt and the code."""
        clock = _Clock()
        work, _ = _failing(2)
        with caplog.at_level(logging.DEBUG, logger="casino_core._retry"):
            retry(work, what="wallet transaction", sleep=clock.sleep, clock=clock)
        records = [r for r in caplog.records if r.name == "casino_core._retry"]
        assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
        assert "attempt 1 of 8" in records[0].getMessage()
        assert "attempt 2 of 8" in records[1].getMessage()
        assert "STORAGE_UNAVAILABLE" in records[0].getMessage()
