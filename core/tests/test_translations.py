"""The Russian catalogues (the pages' and their scripts') are complete, compiled from the .po as checked in, and
served to Russian browsers."""

import gettext
import html
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES"
DOMAINS = ["django", "djangojs"]  # djangojs: the operator pages' script, served at /jsi18n/

_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+(".*")$')


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt/msgid/msgid_plural/msgstr[...] texts, plus the flags of the `#,` comments."""
    entries: list[dict] = []
    entry: dict = {}
    field = None

    def finish() -> None:
        nonlocal entry, field
        if "msgid" in entry:
            entries.append(entry)
        entry, field = {}, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):  # obsolete entries are not compiled
            continue
        elif line.startswith("#,"):
            if "msgid" in entry:
                finish()
            entry.setdefault("flags", set()).update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            if "msgid" in entry:
                finish()
        elif match := _KEYWORD.match(line):
            field = match.group(1)
            if field in ("msgctxt", "msgid") and "msgid" in entry:
                finish()
                field = match.group(1)
            entry[field] = _unquote(match.group(2))
        elif line.startswith('"') and field is not None:
            entry[field] += _unquote(line)
        else:
            raise AssertionError(f"unparsable line in {path.name}: {raw!r}")
    finish()
    return entries


def _messages(entries: list[dict]) -> list[dict]:
    return [e for e in entries if e["msgid"]]


def _translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_is_translated_and_none_is_fuzzy(domain):
    # given a Russian catalogue
    entries = parse_po(CATALOGUE / f"{domain}.po")

    # when its messages are looked at one by one
    messages = _messages(entries)
    empty = [e["msgid"] for e in messages if not all(_translations(e))]
    fuzzy = [e["msgid"] or "(header)" for e in entries if "fuzzy" in e.get("flags", set())]

    # then every message has its Russian text, with three forms for the plurals, and none waits for review
    assert messages, "the catalogue has no messages"
    assert empty == []
    assert fuzzy == []
    plurals = [e for e in messages if "msgid_plural" in e]
    assert all(len(_translations(e)) == 3 for e in plurals)


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_header_declares_russian_utf8_and_three_plural_forms(domain):
    # given the header entry of a catalogue (the one with an empty msgid)
    header = next(e for e in parse_po(CATALOGUE / f"{domain}.po") if not e["msgid"])["msgstr"]

    # when it is read
    # then it names the language, the encoding and the Russian plural rule
    assert "Language: ru\n" in header
    assert "charset=UTF-8" in header
    assert "nplurals=3;" in header


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_matches_the_po(domain):
    # given the .po and the .mo checked in next to it
    messages = _messages(parse_po(CATALOGUE / f"{domain}.po"))
    with (CATALOGUE / f"{domain}.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    # when the messages of the .mo are counted (plural forms are stored as (msgid, n) keys)
    in_mo = {key[0] if isinstance(key, tuple) else key for key in catalogue._catalog} - {""}

    # then it holds as many messages as the .po, with the same texts: a .po edited without recompiling fails
    assert len(in_mo) == len(messages), "run `manage.py compilemessages -l ru`"
    for entry in messages:
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if "msgid_plural" in entry:
            for form in range(3):
                assert catalogue._catalog[(msgid, form)] == entry[f"msgstr[{form}]"], entry["msgid"]
        else:
            assert catalogue._catalog[msgid] == entry["msgstr"], entry["msgid"]


@pytest.fixture
def _english_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.mark.usefixtures("_english_afterwards")
def test_the_login_page_speaks_the_browsers_language(client, db):
    # given a browser that prefers Russian and one that prefers English
    # when each asks for the login page
    russian = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru")
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    # then each gets the page in its language
    assert russian.status_code == 200
    assert russian["Content-Language"] == "ru"
    russian_page = html.unescape(russian.content.decode())
    assert "Войдите, чтобы открыть диалоги вашей команды" in russian_page
    assert "Пароль" in russian_page
    assert "Sign in to your team's inbox" not in russian_page

    assert english.status_code == 200
    assert english["Content-Language"] == "en"
    english_page = html.unescape(english.content.decode())
    assert "Sign in to your team's inbox" in english_page
    assert "Password" in english_page
    assert "Войдите" not in english_page


@pytest.mark.usefixtures("_english_afterwards")
def test_the_operator_pages_script_gets_its_strings_in_the_browsers_language(client, db):
    # given a browser that prefers Russian and one that prefers English
    # when each loads the operator pages' script catalogue
    russian = _script_catalogue(client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="ru"))
    english = _script_catalogue(client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="en"))

    # then the keyboard help and the reply box's messages come in Russian, and English needs none
    assert russian["Keyboard shortcuts"] == "Сочетания клавиш"
    assert russian["No connection. Your reply is kept; press Enter to try again."].startswith("Нет соединения")
    assert "Keyboard shortcuts" not in english


def _script_catalogue(response) -> dict[str, str]:
    """The translations in Django's JavaScript catalogue (its `newcatalog` object is JSON)."""
    assert response.status_code == 200
    found = re.search(r"const newcatalog = (\{.*?\});", response.content.decode(), re.S)
    return json.loads(found.group(1)) if found else {}  # none at all for English
