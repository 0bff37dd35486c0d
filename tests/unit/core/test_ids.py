"""new_id: the text uuid.uuid4().hex writes (version 4, RFC 4122 variant), and random."""

from __future__ import annotations

import re
import uuid

from casino_core._ids import new_id


def test_new_id_is_a_version_4_uuid_in_hex() -> None:
    ids = [new_id() for _ in range(2_000)]
    for text in ids:
        assert re.fullmatch(r"[0-9a-f]{32}", text)
        parsed = uuid.UUID(hex=text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert parsed.hex == text
    assert len(set(ids)) == len(ids)
    # every hex digit outside the fixed version nibble turns up at every place
    for place in (0, 7, 13, 31):
        assert len({text[place] for text in ids}) == 16
