"""Credentials the business gives Parley (a mailbox's password, an API key, a webhook URL) are stored
encrypted, so a copy of the database alone does not hand them out.

The key comes from SECRET_KEY (Fernet: AES with an HMAC); values written under an earlier key listed in
SECRET_KEY_FALLBACKS still read, and are written under the current key when next saved. A value that no key
opens (SECRET_KEY changed without a fallback) reads as empty and is logged: its admin enters it again.
"""

import base64
import hashlib
import logging
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "enc:"  # what marks a stored value as encrypted (values stored before encryption have none)


class SecretField(models.TextField):
    """Text kept encrypted in the database and plain in Python."""

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        return value if value is None else reveal(value)

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        return conceal(value) if isinstance(value, str) and value else value


def conceal(text: str) -> str:
    return PREFIX + _fernet(_keys()).encrypt(text.encode()).decode()


def reveal(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before it was encrypted: encrypted when next saved
    try:
        return _fernet(_keys()).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        logger.warning("A stored credential could not be decrypted (SECRET_KEY changed?): it must be entered again")
        return ""


def _keys() -> tuple[str, ...]:
    return (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_derived(key)) for key in keys])


def _derived(secret_key: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"parley.secrets:" + secret_key.encode()).digest())
