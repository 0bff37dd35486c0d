"""Aggregator presets: a documented seamless-wallet API answered over a ProviderWallet.

Each preset parses the aggregator's requests (bounded: body size, field lengths, amounts
converted exactly to minor units), verifies their signature (``cryptography`` for RSA, HMAC
compared in constant time), refuses stale requests where the aggregator sends a timestamp,
maps each call to :class:`~casino_core.provider.ProviderWallet` (so every rule of the
seamless wallet holds: replays, duplicates, rollback before bet ...), and shapes the answer
as the aggregator documents it, byte for byte (:class:`PresetResponse`).

- :class:`Hub88Preset`: Hub88's Wallet API (RSA-SHA256 ``X-Hub88-Signature``).
- :class:`SlotegratorPreset`: Slotegrator's callbacks (HMAC-SHA1 ``X-Sign``, ``X-Timestamp``).
- :class:`BlueOceanPreset`: Blue Ocean Gaming's seamless wallet (GET, ``key`` = SHA-1 of the
  salt and the query string).

See docs/providers.md, "Aggregator presets", for the sources used and what is not verified.
"""

from casino_core.provider.presets._blueocean import (
    BLUEOCEAN_ACTIONS,
    BlueOceanPreset,
    blueocean_key,
)
from casino_core.provider.presets._common import PresetResponse
from casino_core.provider.presets._hub88 import (
    HUB88_SCALE,
    HUB88_STATUS,
    Hub88Preset,
    from_hub88,
    to_hub88,
)
from casino_core.provider.presets._slotegrator import (
    SIGNED_HEADERS,
    SlotegratorPreset,
    slotegrator_sign,
)

__all__ = [
    "BLUEOCEAN_ACTIONS",
    "HUB88_SCALE",
    "HUB88_STATUS",
    "SIGNED_HEADERS",
    "BlueOceanPreset",
    "Hub88Preset",
    "PresetResponse",
    "SlotegratorPreset",
    "blueocean_key",
    "from_hub88",
    "slotegrator_sign",
    "to_hub88",
]
