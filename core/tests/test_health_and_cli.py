import subprocess
import sys


def test_healthz_answers_when_database_and_channel_layer_do(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "channel_layer": True}


def test_healthz_reports_a_broken_database(client, db, monkeypatch):
    from core import views

    monkeypatch.setattr(views, "_database_ok", lambda: False)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"] is False


def test_parley_help_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "parley.cli", "--help"], capture_output=True, text=True, check=True)

    for command in ("demo", "serve", "worker", "createoperator"):
        assert f"  {command}" in done.stdout


def test_createoperator_makes_an_operator_who_can_sign_in(db, client):
    from django.core.management import call_command

    call_command("createoperator", email="Lena@Example.com", name="Lena", workspace="Acme", password="long-enough-1")

    assert client.login(username="lena@example.com", password="long-enough-1")
    assert client.get("/inbox/").status_code == 200


def test_serve_refuses_an_unmigrated_database(tmp_path):
    import os

    env = {**os.environ, "DATA_DIR": str(tmp_path), "DATABASE_URL": "", "REDIS_URL": ""}
    done = subprocess.run([sys.executable, "-m", "parley.cli", "serve"], capture_output=True, text=True, env=env)

    assert done.returncode == 1
    assert "run `parley migrate` first" in done.stderr
