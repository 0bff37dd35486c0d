"""Test helpers for hosts and backends: hypothesis strategies (``games`` for every game,
``strategies`` for wallet operations) and the wallet conformance suite.

Needs ``hypothesis`` (a test dependency; ``casino_core`` itself never imports this package).
Importing it (or hypothesis itself, through the distribution's ``hypothesis`` entry point)
registers strategies for the public value types, so ``st.from_type(Money)``,
``st.from_type(AccountKey)``, ``st.from_type(DiceBet)`` or ``st.from_type(Offering)`` draw
valid values.
A host app checks its own :class:`~casino_core.wallet.WalletService` with::

    from casino_core.testing import run_wallet_conformance

    def test_my_wallet_conforms():
        run_wallet_conformance(lambda: MyWallet(...))
"""

from casino_core.errors import ConfigurationError

try:
    import hypothesis  # noqa: F401 - the extra's check, before the modules that need it
except ImportError as exc:
    raise ConfigurationError(
        "casino_core.testing needs the 'testing' extra (hypothesis): "
        "pip install 'casino-core[testing]'"
    ) from exc

from casino_core.testing import games, strategies
from casino_core.testing._casino_conformance import casino_state_machine, run_casino_conformance
from casino_core.testing._fault_games import StorageFaults
from casino_core.testing._fault_sql import (
    create_simulation_schema,
    fast_durability,
    sql_simulation,
    statement_faults,
)
from casino_core.testing._faults import (
    FaultSimulationFailed,
    SimulationReport,
    run_fault_simulation,
    simulate,
)
from casino_core.testing._hypothesis import _register
from casino_core.testing._ports import FakePaymentPort
from casino_core.testing._saga_conformance import run_saga_conformance
from casino_core.testing._wallet_conformance import run_wallet_conformance, wallet_state_machine

_register()  # st.from_type(Money), st.from_type(DiceBet) ...: see casino_core.testing._hypothesis

__all__ = [
    "FakePaymentPort",
    "FaultSimulationFailed",
    "SimulationReport",
    "StorageFaults",
    "casino_state_machine",
    "create_simulation_schema",
    "fast_durability",
    "games",
    "run_casino_conformance",
    "run_fault_simulation",
    "run_saga_conformance",
    "run_wallet_conformance",
    "simulate",
    "sql_simulation",
    "statement_faults",
    "strategies",
    "wallet_state_machine",
]
