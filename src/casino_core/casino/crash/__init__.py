"""Crash tables: the table, its types and its stores (memory, SQL, Redis). Private: import
from :mod:`casino_core.casino`."""
