"""A byte stream of crafted 4-byte words, to drive the schemes' mappings word by word."""

from __future__ import annotations

from casino_core.fairness import ByteStream


class ScriptedStream(ByteStream):
    """A stream that returns crafted 4-byte big-endian words, then refuses to read on."""

    def __init__(self, words: list[int]) -> None:
        super().__init__("0" * 64, "crafted", 0)
        self._data = b"".join(w.to_bytes(4) for w in words)
        self._at = 0

    def read(self, n: int) -> bytes:
        out = self._data[self._at : self._at + n]
        if len(out) < n:
            raise AssertionError("scripted stream exhausted")
        self._at += n
        return out
