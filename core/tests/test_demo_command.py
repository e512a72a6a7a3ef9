"""`parley demo --port N`: the printed addresses and the install's own address follow the port."""

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_another_port_is_the_public_address_unless_one_is_set(monkeypatch, capsys):
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setattr(settings, "PUBLIC_URL", "http://127.0.0.1:8000")

    call_command("demo", "--no-serve", "--port", "8123")

    assert settings.PUBLIC_URL == "http://127.0.0.1:8123"  # the demo shop's order service is called there
    assert "http://127.0.0.1:8123/inbox/" in capsys.readouterr().out

    monkeypatch.setenv("PUBLIC_URL", "https://chat.example.com")
    monkeypatch.setattr(settings, "PUBLIC_URL", "https://chat.example.com")
    call_command("demo", "--no-serve", "--port", "8124")
    assert settings.PUBLIC_URL == "https://chat.example.com"
