"""Seed encryption keys: key ids in the stored form, rotation, key providers, safe reprs."""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from casino_core.casino import Casino, CasinoSettings, SeedCipher, SeedKeys
from casino_core.errors import ConfigurationError, SeedKeyUnavailable, StorageUnavailable
from casino_core.fairness import ServerSeed
from casino_core.wallet import AccountKey

OLD = bytes(range(32))
NEW = bytes(range(100, 140))


def legacy_seal(key: bytes, seed: ServerSeed) -> str:
    """The stored form of the releases before key ids (``aesgcm1:``), written independently."""
    import os

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    info = b"casino_core server seeds at rest v1"
    aead = AESGCM(HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key))
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, seed.reveal_text().encode(), seed.commitment.encode())
    return "aesgcm1:" + base64.b64encode(nonce + sealed).decode()


def secret_free(text: str, *secrets: bytes) -> bool:
    """True when no key (raw, hex or base64) appears in ``text``."""
    forms = [
        f(k) for k in secrets for f in (repr, bytes.hex, lambda b: base64.b64encode(b).decode())
    ]
    return not any(str(form) in text for form in forms)


class TestKeyIds:
    """The stored form names its key; several keys open, one seals."""

    def test_round_trip_names_the_active_key(self) -> None:
        """A seed sealed under k2 is stored as v2:k2:... and opens to itself."""
        seed = ServerSeed.generate()
        cipher = SeedCipher(SeedKeys({"k1": OLD, "k2": NEW}, active="k2"))
        sealed = cipher.seal(seed)
        assert sealed.startswith("v2:k2:")
        assert seed.reveal_text() not in sealed
        assert cipher.open(sealed, seed.commitment) == seed
        assert cipher.key_id == "k2"

    def test_rotation_old_seeds_still_open(self) -> None:
        """After the active key changes, seeds sealed under the old key still open."""
        seed = ServerSeed.generate()
        before = SeedCipher(SeedKeys({"k1": OLD}, active="k1")).seal(seed)
        after = SeedCipher(SeedKeys({"k1": OLD, "k2": NEW}, active="k2"))
        assert after.open(before, seed.commitment) == seed
        assert after.seal(seed).startswith("v2:k2:")

    def test_values_without_key_id_still_open(self) -> None:
        """aesgcm1: values (before key ids) open with the legacy key, or by trying each key."""
        seed = ServerSeed.generate()
        old = legacy_seal(OLD, seed)
        assert SeedCipher(OLD).open(old, seed.commitment) == seed
        both = SeedKeys({"k1": OLD, "k2": NEW}, active="k2")
        assert SeedCipher(both).open(old, seed.commitment) == seed
        pinned = SeedKeys({"k1": OLD, "k2": NEW}, active="k2", legacy="k1")
        assert SeedCipher(pinned).open(old, seed.commitment) == seed
        with pytest.raises(StorageUnavailable):
            SeedCipher(SeedKeys({"k2": NEW}, active="k2")).open(old, seed.commitment)

    def test_plain_values_open_with_keys(self) -> None:
        """A plain value (stored without a key) still opens once keys are configured."""
        seed = ServerSeed.generate()
        assert SeedCipher(OLD).open(SeedCipher().seal(seed), seed.commitment) == seed

    def test_missing_key_id_is_typed_and_names_only_the_id(self) -> None:
        """A value sealed under an unknown key id raises SeedKeyUnavailable naming the id."""
        seed = ServerSeed.generate()
        sealed = SeedCipher(SeedKeys({"k1": OLD}, active="k1")).seal(seed)
        for cipher in (SeedCipher(SeedKeys({"k2": NEW}, active="k2")), SeedCipher()):
            with pytest.raises(SeedKeyUnavailable) as info:
                cipher.open(sealed, seed.commitment)
            assert info.value.key_id == "k1"
            assert "'k1'" in str(info.value)
            assert info.value.code == "SEED_KEY_UNAVAILABLE"
            assert isinstance(info.value, ConfigurationError)
            assert secret_free(str(info.value) + repr(info.value), OLD, NEW)
            assert info.value.__cause__ is None
            assert info.value.__context__ is None

    def test_wrong_key_under_the_id_names_the_id(self) -> None:
        """The right id with the wrong bytes is StorageUnavailable naming the id, not the key."""
        seed = ServerSeed.generate()
        sealed = SeedCipher(SeedKeys({"k1": OLD}, active="k1")).seal(seed)
        with pytest.raises(StorageUnavailable, match="'k1'") as info:
            SeedCipher(SeedKeys({"k1": NEW}, active="k1")).open(sealed, seed.commitment)
        assert secret_free(str(info.value), OLD, NEW)

    def test_key_id_is_bound(self) -> None:
        """Relabelling a ciphertext with another key id of the same bytes does not open it."""
        seed = ServerSeed.generate()
        keys = SeedKeys({"k1": OLD, "k2": OLD}, active="k1")
        sealed = SeedCipher(keys).seal(seed)
        with pytest.raises(StorageUnavailable):
            SeedCipher(keys).open("v2:k2:" + sealed[len("v2:k1:") :], seed.commitment)

    @pytest.mark.parametrize(
        "build",
        [
            lambda: SeedKeys({"k1": b"x" * 31}, active="k1"),
            lambda: SeedKeys({"k1": OLD}, active="k2"),
            lambda: SeedKeys({"k1": OLD}, active="k1", legacy="k0"),
            lambda: SeedKeys({"bad:id": OLD}, active="bad:id"),
            lambda: SeedKeys({}, active="k1"),
            lambda: SeedKeys({"k1": "y" * 40}, active="k1"),  # type: ignore[dict-item]
        ],
    )
    def test_bad_keys_refused(self, build: object) -> None:
        """Short keys, unknown active/legacy ids, bad ids and no keys refuse to start."""
        with pytest.raises(ConfigurationError) as info:
            build()  # type: ignore[operator]
        assert secret_free(str(info.value), b"x" * 31, OLD)


class TestKeyProvider:
    """A host's KMS: a callable from key id to key bytes."""

    def test_provider_seals_and_opens_and_is_asked_once(self) -> None:
        """The provider is asked once per key id; rotation works through it."""
        asked: list[str] = []
        store = {"kms-1": OLD, "kms-2": NEW}

        def provider(key_id: str) -> bytes:
            asked.append(key_id)
            return store[key_id]

        seed = ServerSeed.generate()
        sealed = SeedCipher(SeedKeys(provider, active="kms-1")).seal(seed)
        cipher = SeedCipher(SeedKeys(provider, active="kms-2"))
        for _ in range(3):
            assert cipher.open(sealed, seed.commitment) == seed
        assert asked == ["kms-1", "kms-2", "kms-1"]

    def test_provider_failure_is_typed(self) -> None:
        """A failing provider (or a short key from it) names the key id; nothing is chained."""

        def provider(key_id: str) -> bytes:
            if key_id == "gone":
                raise KeyError(f"no such key; material was {OLD!r}")
            return b"short"

        with pytest.raises(SeedKeyUnavailable, match="'gone'") as info:
            SeedCipher(SeedKeys(provider, active="gone"))
        assert info.value.__context__ is None
        assert info.value.__cause__ is None
        assert secret_free(str(info.value), OLD)
        with pytest.raises(ConfigurationError, match="'short-key'"):
            SeedCipher(SeedKeys(provider, active="short-key"))


class TestKeysStaySecret:
    """Key material never shows in a repr, asdict, copy or pickle."""

    def test_settings_asdict_and_repr_hold_no_key_bytes(self) -> None:
        """asdict(CasinoSettings(seed_key=...)) holds a SeedKeys, never the raw bytes."""
        for given in (OLD, SeedKeys({"k1": OLD, "k2": NEW}, active="k2")):
            settings = CasinoSettings(seed_key=given)
            assert isinstance(settings.seed_key, SeedKeys)
            as_dict = dataclasses.asdict(settings)
            assert isinstance(as_dict["seed_key"], SeedKeys)
            assert OLD not in as_dict.values()
            assert NEW not in as_dict.values()
            for text in (repr(as_dict), str(as_dict), repr(settings), repr(settings.seed_key)):
                assert secret_free(text, OLD, NEW)
            assert copy.deepcopy(settings.seed_key) is settings.seed_key
            with pytest.raises(TypeError):
                pickle.dumps(settings.seed_key)

    def test_repr_shows_ids_only(self) -> None:
        """The repr of SeedKeys names the active id and the known ids."""
        keys = SeedKeys({"k1": OLD, "k2": NEW}, active="k2")
        assert repr(keys) == "SeedKeys(active='k2', key_ids=['k1', 'k2'])"
        assert repr(SeedKeys(lambda _: OLD, active="kms")) == "SeedKeys(active='kms', provider)"

    def test_keys_document_from_env_and_file(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        """A keys document (JSON, base64 keys) loads from the environment or a file."""
        doc = json.dumps(
            {
                "active": "k2",
                "keys": {
                    "k1": base64.b64encode(OLD).decode(),
                    "k2": base64.b64encode(NEW).decode(),
                },
            }
        )
        monkeypatch.setenv("CASINO_CORE_SEED_KEYS", doc)
        assert SeedKeys.from_env().known() == ("k1", "k2")
        path = tmp_path / "keys.json"
        path.write_text(doc)
        keys = SeedKeys.from_file(path)
        assert keys.active == "k2"
        assert keys.key("k1") == OLD
        for bad in ("not json", '{"active": "k1"}', '{"active": "k1", "keys": {"k1": "@@"}}'):
            with pytest.raises(ConfigurationError):
                SeedKeys.from_json(bad)
        monkeypatch.delenv("CASINO_CORE_SEED_KEYS")
        with pytest.raises(ConfigurationError):
            SeedKeys.from_env()

    def test_casino_rotation_keeps_old_rounds_playable(self) -> None:
        """A casino whose active key changed still plays and reveals seeds sealed before."""
        casino = Casino.in_memory(CasinoSettings(seed_key=SeedKeys({"k1": OLD}, active="k1")))
        account = AccountKey("op", "p", "USD")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 1000, idempotency_key="d", system_account="deposits")
        seeds = casino.seeds("op", "p")
        rotated = Casino(
            casino._store, CasinoSettings(seed_key=SeedKeys({"k1": OLD, "k2": NEW}, active="k2"))
        )
        rotated.play("op", "p", "USD", "real", "dice", {"target": "50", "condition": "over"},
                     10, idempotency_key="b")  # fmt: skip
        revealed = rotated.rotate_seed("op", "p").revealed
        assert revealed.commitment == seeds.server_seed_hash


class TestHeldSeeds:
    """An opened seed is held (decrypted once per pair), never shown, let go at reveal."""

    @staticmethod
    def counting(cipher: SeedCipher, monkeypatch: pytest.MonkeyPatch) -> list[str]:
        """The stored forms the cipher actually decrypts from now on."""
        calls: list[str] = []
        real = SeedCipher._open

        def spy(self: SeedCipher, stored: str, context: str, what: str) -> str:
            calls.append(stored)
            return real(self, stored, context, what)

        monkeypatch.setattr(SeedCipher, "_open", spy)
        return calls

    def test_open_decrypts_once_and_reveal_lets_go(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Opening a stored form again returns the held seed; after reveal it decrypts anew."""
        seed = ServerSeed.generate()
        cipher = SeedCipher(OLD)
        sealed = cipher.seal(seed)
        calls = self.counting(cipher, monkeypatch)
        assert cipher.open(sealed, seed.commitment) == seed
        assert cipher.open(sealed, seed.commitment) == seed
        assert calls == [sealed]
        assert cipher.reveal(sealed, seed.commitment) == seed
        assert cipher.open(sealed, seed.commitment) == seed
        assert calls == [sealed, sealed]

    def test_held_seed_needs_its_commitment(self) -> None:
        """A held seed is not returned for another commitment: that still fails to open."""
        seed, other = ServerSeed.generate(), ServerSeed.generate()
        cipher = SeedCipher(OLD)
        sealed = cipher.seal(seed)
        cipher.open(sealed, seed.commitment)
        with pytest.raises(StorageUnavailable):
            cipher.open(sealed, other.commitment)

    def test_held_seeds_are_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Past HELD_SEEDS stored forms the cipher forgets what it held."""
        from casino_core.casino import _crypto

        monkeypatch.setattr(_crypto, "HELD_SEEDS", 3)
        cipher = SeedCipher(OLD)
        seeds = [ServerSeed.generate() for _ in range(5)]
        for seed in seeds:
            cipher.open(cipher.seal(seed), seed.commitment)
            assert len(cipher._held) <= 3

    def test_casino_rounds_decrypt_once_per_pair(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Rounds of one pair decrypt its seed once; a rotation reveals, the next pair opens."""
        casino = Casino.in_memory(CasinoSettings(seed_key=OLD))
        account = AccountKey("op", "p", "USD")
        casino.wallet.open_account(account)
        casino.wallet.credit(account, 1000, idempotency_key="d", system_account="deposits")
        calls = self.counting(casino._cipher, monkeypatch)
        bet = {"target": "50", "condition": "over"}
        for i in range(3):
            casino.play("op", "p", "USD", "real", "dice", bet, 10, idempotency_key=f"a{i}")
        assert len(calls) == 1
        revealed = casino.rotate_seed("op", "p").revealed  # reveals the held seed, lets it go
        assert all(s.commitment != revealed.commitment for s in casino._cipher._held.values())
        for i in range(3):
            casino.play("op", "p", "USD", "real", "dice", bet, 10, idempotency_key=f"b{i}")
        assert len(calls) == 2
        assert all(s.commitment != revealed.commitment for s in casino._cipher._held.values())

    def test_cipher_and_held_seeds_stay_secret(self) -> None:
        """The held seeds show their commitment only; the cipher cannot be pickled."""
        seed = ServerSeed.generate()
        cipher = SeedCipher(OLD)
        cipher.open(cipher.seal(seed), seed.commitment)
        assert seed.reveal_text() not in repr(cipher._held)
        assert seed.reveal_text() not in repr(cipher)
        with pytest.raises(TypeError):
            pickle.dumps(cipher)
