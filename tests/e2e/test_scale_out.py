"""Scale-out: two `parley serve` processes on one PostgreSQL and one Redis.

The visitor's shop is served by process A, the operator's inbox by process B:
every live update has to cross from one process to the other through Redis.
"""

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import (
    LIVE_MS,
    DemoServer,
    Stopwatch,
    expect_inbox_history,
    expect_widget_history,
    open_conversation,
    open_widget,
    operator_page,
    reply_from_inbox,
    send_from_widget,
    visitor_page,
    widget_messages,
)
from tests.servers import REDIS_URL, free_port, parley, postgres_database, server_env
from tests.services import require_postgres, require_redis


@pytest.fixture(scope="module")
def two_servers() -> Iterator[tuple[DemoServer, DemoServer]]:
    """Processes A and B sharing a fresh PostgreSQL database and Redis; the demo seeded once."""
    require_postgres()
    require_redis()
    with postgres_database() as database_url, tempfile.TemporaryDirectory(prefix="parley-e2e-") as tmp:
        env = server_env(Path(tmp), DATABASE_URL=database_url, REDIS_URL=REDIS_URL)
        port_a, port_b = free_port(), free_port()
        # Migrates, seeds the demo and allows the shop's origin (A) on the demo inbox.
        parley(env, "demo", "--no-serve", "--port", str(port_a))
        a = DemoServer(env, port_a, Path(tmp) / "a.log")
        b = DemoServer(env, port_b, Path(tmp) / "b.log")
        with contextlib.ExitStack() as stack:
            for server in (a, b):
                server.start()
                stack.callback(server.stop)
            yield a, b


def test_chat_crosses_between_server_processes(browser: Browser, two_servers: tuple[DemoServer, DemoServer]) -> None:
    a, b = two_servers
    # Given the operator's inbox served by process B and a visitor on the shop served by process A
    operator = operator_page(browser, b)
    visitor = visitor_page(browser, a)

    # When the visitor asks a question (stored through A)
    open_widget(visitor)
    question = "Hi, is the linen tea towel set back in stock?"
    clock = Stopwatch()
    send_from_widget(visitor, question)

    # Then the new conversation appears live at the top of B's inbox
    expect(operator.locator("#conversation-list .row").first).to_contain_text(question, timeout=LIVE_MS)
    print(f"\nscale-out: visitor on A -> new row in the inbox on B: {clock.ms()} ms")

    # When the operator opens it and replies (stored through B)
    open_conversation(operator, question)
    answer = "It is: we restocked it this morning."
    clock = Stopwatch()
    reply_from_inbox(operator, answer)

    # Then the reply shows live in the widget on A
    expect(widget_messages(visitor).filter(has_text=answer)).to_be_visible(timeout=LIVE_MS)
    print(f"scale-out: operator on B -> widget on A: {clock.ms()} ms")
    expect_widget_history(visitor, [question, answer])

    # And a follow-up from the visitor reaches the open conversation on B live
    follow_up = "Great, I'll take two sets."
    send_from_widget(visitor, follow_up)
    expect_inbox_history(operator, [question, answer, follow_up])
