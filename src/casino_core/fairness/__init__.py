"""Provably-fair RNG: seeds and commitments, the HMAC-SHA256 byte stream and its schemes,
hash chains for crash games, and the auditor's verification functions.

Pure: nothing here does I/O beyond reading the operating system's CSPRNG for new seeds.
"""

from casino_core.fairness._chain import (
    DEFAULT_CRASH_EDGE,
    CrashScheme,
    HashChain,
    crash_point,
    verify_chain_link,
)
from casino_core.fairness._seeds import (
    CLIENT_SEED_MAX_LENGTH,
    MAX_NONCE,
    RevealedSeed,
    Rotation,
    SeedPair,
    ServerSeed,
    commitment_of,
    generate_client_seed,
    validate_client_seed,
    validate_nonce,
)
from casino_core.fairness._stream import (
    SCHEME_VERSIONS,
    ByteStream,
    Rng,
    Scheme,
    StakeRng,
    UnbiasedRng,
    first_int_below,
    make_rng,
)
from casino_core.fairness._verify import (
    stream_bytes,
    stream_floats,
    stream_ints,
    verify_commitment,
)

__all__ = [
    "CLIENT_SEED_MAX_LENGTH",
    "DEFAULT_CRASH_EDGE",
    "MAX_NONCE",
    "SCHEME_VERSIONS",
    "ByteStream",
    "CrashScheme",
    "HashChain",
    "RevealedSeed",
    "Rng",
    "Rotation",
    "Scheme",
    "SeedPair",
    "ServerSeed",
    "StakeRng",
    "UnbiasedRng",
    "commitment_of",
    "crash_point",
    "first_int_below",
    "generate_client_seed",
    "make_rng",
    "stream_bytes",
    "stream_floats",
    "stream_ints",
    "validate_client_seed",
    "validate_nonce",
    "verify_chain_link",
    "verify_commitment",
]
