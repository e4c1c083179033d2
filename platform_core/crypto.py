"""Encryption at rest for secrets (Webex credentials and tokens), keyed by FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    # Any string works as FIELD_ENCRYPTION_KEY; derive the 32-byte Fernet key from it.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt(plaintext: str) -> str:
    if not plaintext:
        return ""
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    if not ciphertext:
        return ""
    try:
        return _fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise ValueError(
            "Secret cannot be decrypted with the current FIELD_ENCRYPTION_KEY."
        ) from exc


def hash_secret(raw: str) -> str:
    """SHA-256 hex digest of a secret token (only the hash is stored: tickets' and
    appointments' tokens)."""
    return hashlib.sha256(raw.encode()).hexdigest()
