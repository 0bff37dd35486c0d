"""Instant and multi-step rounds: seed pairs, round rules and the casino stores (memory, SQL,
Redis), each composing its crash store. Private: import from :mod:`casino_core.casino`."""
