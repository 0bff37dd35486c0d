"""``casino-core schema``: prints the JSON Schema shipped in the package."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from casino_core.cli import main
from casino_core.games._records import record_schema, shipped_schema


class TestSchemaCommand:
    @pytest.mark.parametrize(("argv", "version"), [([], 2), (["--version", "2"], 2),
                                                   (["--version", "1"], 1)])  # fmt: skip
    def test_prints_the_shipped_file(
        self, argv: list[str], version: int, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The output is the shipped file byte for byte, and the models' schema."""
        assert main(["schema", *argv]) == 0
        out = capsys.readouterr().out
        assert out == shipped_schema(version)
        assert json.loads(out) == record_schema(version)

    def test_an_unknown_version_exits_2(self, capsys: pytest.CaptureFixture[str]) -> None:
        """Only 1 and 2 exist."""
        with pytest.raises(SystemExit) as info:
            main(["schema", "--version", "3"])
        assert info.value.code == 2
        assert "invalid choice" in capsys.readouterr().err

    def test_installed_command(self) -> None:
        """``python -m casino_core schema`` reads the file from the installed package."""
        done = subprocess.run([sys.executable, "-m", "casino_core", "schema"],
                              capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
        schema = json.loads(done.stdout)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert "RevealLine" in schema["$defs"]
