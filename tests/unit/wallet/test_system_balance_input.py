"""``system_balance`` takes its currency like every other wallet method (a Currency or a code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casino_core.errors import InvalidInput, UnknownCurrency
from casino_core.money import USD
from casino_core.wallet import AccountKey, MemoryWallet, WalletService, open_wallet


@pytest.fixture(params=["memory", "sqlite"])
def wallet(request: pytest.FixtureRequest, tmp_path: Path) -> WalletService:
    if request.param == "memory":
        return MemoryWallet()
    return open_wallet(f"sqlite:///{tmp_path / 'w.db'}", create_schema=True)


class TestSystemBalanceInput:
    """A str currency works; bad values are typed errors (were AttributeError / TypeError)."""

    def test_code_and_currency_agree(self, wallet: WalletService) -> None:
        """ "USD" and USD give the same balance."""
        account = AccountKey("op", "p", USD)
        wallet.open_account(account)
        wallet.credit(account, 250, idempotency_key="k", system_account="deposits")
        by_code = wallet.system_balance("op", "deposits", "USD", "real")  # type: ignore[arg-type]
        assert by_code == wallet.system_balance("op", "deposits", USD, "real")  # type: ignore[arg-type]
        assert by_code == -250

    @pytest.mark.parametrize(
        ("args", "error"),
        [(("op", "house", None, "real"), InvalidInput),
         (("op", "house", 7, "real"), InvalidInput),
         (("op", "house", "XXX", "real"), UnknownCurrency),
         (("op", "house", "USD", []), InvalidInput),
         ((1, "house", "USD", "real"), InvalidInput),
         (("op", "nope", "USD", "real"), InvalidInput)],
    )  # fmt: skip
    def test_refused(self, wallet: WalletService, args: tuple[object, ...], error: type) -> None:
        """Each malformed argument raises the typed error."""
        with pytest.raises(error):
            wallet.system_balance(*args)  # type: ignore[arg-type]
