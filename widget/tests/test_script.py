import gzip
import json
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "static" / "widget"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def test_the_script_is_served_as_javascript(client):
    response = client.get("/widget.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"attachShadow" in response.content


def test_the_script_stays_below_its_25_kb_gzipped_budget_with_room_to_spare():
    size = len(gzip.compress((STATIC / "widget.js").read_bytes(), compresslevel=9))

    assert size < 20 * 1024, f"widget.js is {size} bytes gzipped"


def test_catalogues_are_asked_for_under_a_version_that_browsers_may_keep_for_good(client):
    script = client.get("/widget.js")
    version = re.search(rb"const CATALOGUES = '([0-9a-f]{12})'", script.content)

    assert version, "the script names the catalogue version"
    versioned = client.get(f"/widget/i18n/de.json?v={version.group(1).decode()}")
    assert versioned["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/widget/i18n/de.json?v=old")["Cache-Control"] == "public, max-age=3600"


def test_a_browser_that_has_the_script_gets_304_when_it_asks_again(client):
    first = client.get("/widget.js")

    again = client.get("/widget.js", HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["Cache-Control"] == "public, max-age=300"
    assert again.status_code == 304


def _catalogues() -> dict[str, dict[str, str]]:
    return {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in (STATIC / "i18n").glob("*.json")}


def test_the_widget_ships_catalogues_for_the_supported_languages():
    expected = {"en", "ru", "es", "de", "fr", "pt", "ja", "zh", "mn", "kk", "lt", "km", "ar", "tr"}

    assert expected <= set(_catalogues())


def test_every_catalogue_has_the_english_keys():
    catalogues = _catalogues()
    english = catalogues["en"]
    for language, catalogue in catalogues.items():
        assert set(catalogue) == set(english), language
        assert all(isinstance(v, str) and v for v in catalogue.values()), language


def test_every_translation_keeps_the_english_placeholders():
    catalogues = _catalogues()
    english = catalogues["en"]
    for language, catalogue in catalogues.items():
        for key, value in catalogue.items():
            assert set(PLACEHOLDER.findall(value)) == set(PLACEHOLDER.findall(english[key])), (language, key)


def test_catalogues_are_actually_translated():
    catalogues = _catalogues()
    english = catalogues.pop("en")
    for language, catalogue in catalogues.items():
        # The sample address is the same in every language; anything else left in English is forgotten.
        untranslated = [k for k, v in catalogue.items() if v == english.get(k) and v != "name@example.com"]
        assert len(untranslated) <= 3, (language, untranslated)


def test_catalogues_are_served_by_language_and_unknown_ones_are_404(client):
    assert client.get("/widget/i18n/ru.json").json()["send"]
    assert client.get("/widget/i18n/xx.json").status_code == 404
    assert client.get("/widget/i18n/..%2Fwidget.json").status_code == 404


def test_the_demo_shop_embeds_the_widget_with_the_inbox_key(client, inbox):
    html = client.get("/demo/").content.decode()

    assert f'data-key="{inbox.widget_key}"' in html
    assert 'src="http://testserver/widget.js"' in html


def test_the_demo_shop_has_a_product_page_and_a_cart_that_track_events(client, inbox):
    home = client.get("/demo/").content.decode()
    product = client.get("/demo/products/mug/").content.decode()
    cart = client.get("/demo/cart/").content.decode()

    assert 'type="email"' in home and "/demo/products/mug/" in home
    assert "window.Parley = window.Parley || { q: [] }" in home  # the stub that queues early calls
    assert 'Parley.track("added_to_cart"' in product and f'data-key="{inbox.widget_key}"' in product
    assert 'Parley.track("order_placed"' in cart
    assert client.get("/demo/products/nope/").status_code == 404
