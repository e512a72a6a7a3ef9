"""Settings → Knowledge → Providers: admins only; the form refuses what cannot work, with clear messages, and
saves nothing then; keys are write-only; “Test connection” makes one real call and says how it went; saving
starts answering afresh and, with an embeddings service, the background encoding."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.test import Client
from django_tasks_db.models import DBTaskResult

from core.tests.fixtures import make_agent
from knowledge import actions
from knowledge.models import Providers, ProviderVector
from knowledge.tasks import encode_provider_vectors
from knowledge.tests.openai_server import OpenAI, Server, serve
from tests.servers import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def openai_server() -> Iterator[Server]:
    yield from serve()


PAGE = "/settings/knowledge/providers/"
SAVE = "/settings/knowledge/providers/save/"
FIELDS = {
    "embeddings_url": "",
    "embeddings_model": "",
    "embeddings_key": "",
    "generation_url": "",
    "generation_model": "",
    "generation_key": "",
}


def post(client: Client, url: str = SAVE, **values: object):
    return client.post(url, {**FIELDS, **values})


def test_an_admin_sees_the_form_and_the_knowledge_page_links_to_it(operator_client):
    page = operator_client.get(PAGE)

    assert page.status_code == 200
    assert 'name="embeddings_url"' in page.content.decode() and "key not set" in page.content.decode()
    assert PAGE in operator_client.get("/settings/knowledge/").content.decode()


def test_agents_can_neither_see_nor_save_nor_try(workspace, inbox, openai_server):
    client = Client()
    client.force_login(make_agent(workspace, "carl@shop.example.com").user)

    assert client.get(PAGE).status_code == 403
    assert post(client, embeddings_url=openai_server.url, embeddings_model="e5").status_code == 403
    tried = post(client, f"{PAGE}try/embeddings/", embeddings_url=openai_server.url, embeddings_model="e5")
    assert tried.status_code == 403
    assert not Providers.objects.exists() and not OpenAI.seen
    assert "/settings/knowledge/providers/" not in client.get("/settings/knowledge/").content.decode()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"embeddings_url": "ftp://files.example.com", "embeddings_model": "e5"}, "embeddings_url", "http://"),
        ({"embeddings_url": "api.example.com/v1", "embeddings_model": "e5"}, "embeddings_url", "http://"),
        ({"embeddings_url": "https://api.example.com/v1"}, "embeddings_model", "Name the model"),
        ({"embeddings_model": "e5"}, "embeddings_url", "Give the base URL"),
        ({"generation_enabled": "on"}, "generation_url", "need the base URL"),
        ({"generation_enabled": "on", "generation_url": "https://llm.example.com/v1"}, "generation_model", "name"),
        ({"generation_url": "https://llm.example.com/v1", "generation_key": "two words"}, "generation_key", "one word"),
    ],
)
def test_what_cannot_work_is_refused_with_a_message_by_the_field_and_nothing_is_saved(
    operator_client, values, field, message
):
    response = post(operator_client, **values)

    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert not Providers.objects.exists()


def test_keys_are_write_only_kept_when_left_empty_and_removed_when_cleared(operator_client, workspace):
    values = {"generation_url": "https://llm.example.com/v1/", "generation_model": "small"}
    assert post(operator_client, **values, generation_key="sk-secret-1").status_code == 302

    stored = Providers.objects.get(workspace=workspace)
    assert (stored.generation_url, stored.generation_key) == ("https://llm.example.com/v1", "sk-secret-1")
    page = operator_client.get(PAGE).content.decode()
    assert "sk-secret-1" not in page and "A key is set" in page and 'name="generation_key_clear"' in page

    post(operator_client, **{**values, "generation_model": "bigger"})
    assert Providers.objects.get().generation_key == "sk-secret-1"

    both = post(operator_client, **values, generation_key="sk-2", generation_key_clear="on")
    assert both.status_code == 422 and "not both" in both.content.decode()
    assert Providers.objects.get().generation_key == "sk-secret-1"

    post(operator_client, **values, generation_key_clear="on")
    assert Providers.objects.get().generation_key == ""


def test_saving_starts_answering_afresh_and_queues_the_encoding(
    operator_client, member, workspace, openai_server, django_capture_on_commit_callbacks
):
    actions.create_entry(member, language="en", question="How long does delivery take?", answer="2 days.")
    version = cache.get(f"parley:knowledge:{workspace.pk}")

    with django_capture_on_commit_callbacks(execute=True):
        response = post(operator_client, embeddings_url=openai_server.url, embeddings_model="e5")

    assert response.status_code == 302
    assert cache.get(f"parley:knowledge:{workspace.pk}") != version
    assert DBTaskResult.objects.filter(task_path__endswith="encode_provider_vectors").count() == 1
    assert "being encoded" in operator_client.get(PAGE).content.decode()


def test_another_model_drops_the_old_models_vectors(operator_client, member, workspace, openai_server):
    actions.create_entry(member, language="en", question="How long does delivery take?", answer="2 days.")
    post(operator_client, embeddings_url=openai_server.url, embeddings_model="e5")
    encode_provider_vectors.call(workspace.pk)
    assert ProviderVector.objects.filter(encoder=f"{openai_server.url}|e5").count() == 1

    post(operator_client, embeddings_url=openai_server.url, embeddings_model="bge")

    assert not ProviderVector.objects.exists()


def test_test_connection_makes_one_real_call_with_the_form_values_and_saves_nothing(operator_client, openai_server):
    response = post(
        operator_client,
        f"{PAGE}try/embeddings/",
        embeddings_url=openai_server.url,
        embeddings_model="e5",
        embeddings_key="sk-typed",
    )

    assert response.status_code == 200
    assert "Connected: the model gives vectors of 64 numbers." in response.content.decode()
    [call] = openai_server.requests("/embeddings")
    assert call["auth"] == "Bearer sk-typed" and call["body"]["model"] == "e5"
    assert 'value="e5"' in response.content.decode()  # the form as typed, still to be saved
    assert not Providers.objects.exists()


def test_test_connection_uses_the_stored_key_when_none_is_typed(operator_client, openai_server):
    values = {"generation_url": openai_server.url, "generation_model": "small"}
    post(operator_client, **values, generation_key="sk-stored")
    OpenAI.chat = "OK"

    response = post(operator_client, f"{PAGE}try/generation/", **values)

    assert "Connected: the model replied “OK”." in response.content.decode()
    assert openai_server.requests("/chat/completions")[0]["auth"] == "Bearer sk-stored"


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ("closed", "Could not connect to the service"),
        ("unauthorized", "The service refused the key (HTTP 401)."),
        ("garbage", "not in the OpenAI format"),
        ("wrong path", "Nothing found at"),
    ],
)
def test_a_failed_connection_is_told_in_words(operator_client, openai_server, setup, words):
    url = {"closed": f"http://127.0.0.1:{free_port()}/v1", "wrong path": openai_server.url[:-3]}.get(
        setup, openai_server.url
    )
    OpenAI.chat = setup

    response = post(operator_client, f"{PAGE}try/generation/", generation_url=url, generation_model="small")

    html = response.content.decode()
    assert response.status_code == 200 and "The connection failed:" in html and words in html


def test_test_connection_needs_a_url_and_a_model(operator_client):
    response = post(operator_client, f"{PAGE}try/embeddings/", embeddings_url="https://api.example.com/v1")

    assert response.status_code == 422 and "Give the base URL and the model first." in response.content.decode()
    assert post(operator_client, f"{PAGE}try/nothing/").status_code == 404
