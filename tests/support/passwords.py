"""Password hashes for test accounts: scrypt (slow on purpose) once per run, or a cheap PBKDF2
in modules that set ``CHEAP_PASSWORD_HASHING = True`` (they hash in nearly every test)."""

from __future__ import annotations

from .env import PASSWORD

FAST_HASH_METHOD = "pbkdf2:sha256:1000"


def cheap_password_hashing(monkeypatch) -> None:
    """A cheap PBKDF2 instead of scrypt for every password the app sets in this test;
    test_admin checks the real method after monkeypatch.undo()."""
    from werkzeug.security import generate_password_hash

    from eplanning_core.accounts import models

    monkeypatch.setattr(models, "generate_password_hash",
                        lambda password: generate_password_hash(password, method=FAST_HASH_METHOD))


def cheap_password_hash() -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(PASSWORD, method=FAST_HASH_METHOD)
