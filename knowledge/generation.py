"""One answer worded from the entries found, by the workspace's OpenAI-compatible chat-completions service
(optional, off by default).

The service sees the visitor's question and the entries the engine retrieved, nothing else, and is told to
answer from them alone, in the visitor's language, briefly, or to reply NO_ANSWER when they do not answer the
question. Whatever else goes wrong (no connection, a slow, failed or malformed reply) gives None and the
caller answers as it would without the service.
"""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from core import outbound
from knowledge.answering import Match
from knowledge.models import Providers
from widget.languages import LANGUAGES

log = logging.getLogger(__name__)

NO_ANSWER = "NO_ANSWER"
TIMEOUT = 15.0  # seconds; a bot's turn waits for it
MAX_TOKENS = 400
TEXT_MAX = 3000  # characters of a reply worth giving; a longer one is not the brief answer asked for
SOURCES = re.compile(r"^\s*SOURCES:\s*(?P<numbers>[\d\s,]*)\s*$", re.IGNORECASE | re.MULTILINE)

SYSTEM_PROMPT = """You answer a website visitor's question for the site's support team.
Use ONLY the knowledge base entries given below: add nothing that they do not say, and never guess.
Reply in {language}, the visitor's language, even when the entries are written in another one.
Be brief: a few sentences of plain text, no headings.
After the answer, on a last line of its own, write SOURCES: and the numbers of the entries you used, like
SOURCES: 1, 3
If the entries do not answer the question, reply with exactly {no_answer} and nothing else."""


class GenerationFailed(Exception):
    """The chat-completions service did not answer usefully."""


@dataclass(frozen=True)
class Composed:
    text: str  # empty when the entries do not answer the question: the service abstained
    sources: list[Match]  # the entries it says it used, in the order given

    @property
    def abstained(self) -> bool:
        return not self.text


def compose(question: str, matches: Sequence[Match], language: str | None, providers: Providers) -> Composed | None:
    """The answer to `question` worded from `matches` (best first) in `language`; None when the service is off,
    fails, times out or replies with something unusable (logged)."""
    if not (providers.generation_enabled and providers.generation_url and providers.generation_model and matches):
        return None
    system = SYSTEM_PROMPT.format(language=_language_name(language), no_answer=NO_ANSWER)
    entries = "\n\n".join(
        f"[{n}] Question: {m.variant.question}\nAnswer: {m.variant.answer}" for n, m in enumerate(matches, 1)
    )
    messages = [
        {"role": "system", "content": system},
        {"role": "user", "content": f"Entries:\n\n{entries}\n\nVisitor's question: {question}"},
    ]
    try:
        reply = chat(providers.generation_url, providers.generation_model, providers.generation_key, messages)
    except GenerationFailed as error:
        log.warning("Knowledge: the answer was not worded, the generation provider failed: %s", error)
        return None
    if NO_ANSWER in reply:
        log.info("Knowledge: the generation provider found no answer in the entries for %r", question[:80])
        return Composed("", [])
    cited = SOURCES.search(reply)
    text = SOURCES.sub("", reply).strip()
    if not text or len(text) > TEXT_MAX:
        log.warning("Knowledge: the generation provider's reply was unusable (%d characters)", len(text))
        return None
    numbers = {int(n) for n in re.findall(r"\d+", cited["numbers"])} if cited else set()
    sources = [m for n, m in enumerate(matches, 1) if n in numbers] or list(matches[:1])
    return Composed(text, sources)


def chat(base_url: str, model: str, api_key: str, messages: list[dict[str, str]], timeout: float | None = None) -> str:
    """`POST {base_url}/chat/completions` as OpenAI's API has it: the reply's text."""
    url = base_url.rstrip("/") + "/chat/completions"
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = {"model": model, "messages": messages, "temperature": 0, "max_tokens": MAX_TOKENS}
    try:
        outbound.check(url)
        response = httpx.post(url, json=body, headers=headers, timeout=TIMEOUT if timeout is None else timeout)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise TypeError(f"content is {type(content).__name__}")
    except (outbound.Refused, httpx.HTTPError, ValueError, LookupError, TypeError) as error:
        raise GenerationFailed(f"{url}: {error.__class__.__name__}: {error}") from error
    return content.strip()


def _language_name(language: str | None) -> str:
    code = (language or "en").split("-")[0].lower()
    return f"{LANGUAGES[code]} ({code})" if code in LANGUAGES else code
