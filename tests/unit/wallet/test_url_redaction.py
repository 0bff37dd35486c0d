"""Database URLs with passwords are never echoed: messages show them redacted."""

from __future__ import annotations

import pytest

from casino_core.errors import ConfigurationError
from casino_core.wallet import open_wallet
from casino_core.wallet._common import redact_url
from casino_core.wallet.sql import make_engine

SECRET = "s3cr3t-pw"


class TestRedactUrl:
    """redact_url hides a password, parsable URL or not."""

    @pytest.mark.parametrize(
        ("url", "shown"),
        [
            (f"postgresql+psycopg://u:{SECRET}@h:5432/db", "postgresql+psycopg://u:***@h:5432/db"),
            (f"redis://:{SECRET}@h:6379/0", "redis://:***@h:6379/0"),
            (
                f"postgresql+psycopg://u@h/db?password={SECRET}&x=1",
                "postgresql+psycopg://u@h/db?password=***&x=1",
            ),
            (f"postgresql://u:p@ss{SECRET}@h/db", "postgresql://u:***@h/db"),
            ("sqlite:///var/x.db", "sqlite:///var/x.db"),
            ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ],
    )
    def test_hides_passwords(self, url: str, shown: str) -> None:
        """The password becomes ***; a URL without one is unchanged."""
        assert redact_url(url) == shown


class TestMessagesRedact:
    """ConfigurationError messages about URLs never carry the password."""

    @pytest.mark.parametrize(
        "url",
        [
            f"memory://u:{SECRET}@h",
            f"postgresql+psycopg:/u:{SECRET}@h/db",
            f"ftp://u:{SECRET}@h",
            f"postgresql+psycopg://u:{SECRET}@h:notaport/db",
        ],
    )
    def test_open_wallet(self, url: str) -> None:
        """open_wallet's refusals show the URL redacted."""
        with pytest.raises(ConfigurationError) as info:
            open_wallet(url)
        assert SECRET not in str(info.value)
        assert SECRET not in repr(info.value.args)

    def test_make_engine(self) -> None:
        """A URL SQLAlchemy cannot parse is shown redacted."""
        with pytest.raises(ConfigurationError) as info:
            make_engine(f"postgresql+psycopg://u:{SECRET}@h:notaport/db")
        assert SECRET not in str(info.value)
        assert "u:***@h" in str(info.value)
