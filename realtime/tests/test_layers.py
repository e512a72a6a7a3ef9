from channels_redis.pubsub import RedisPubSubChannelLayer

from realtime.layers import EmbeddedChannelLayer, may_have_members


async def test_the_embedded_layer_sweeps_expired_messages_at_most_once_a_second():
    # Given a layer whose messages expire at once, one group send (the first sweep), and a message left unread
    layer = EmbeddedChannelLayer(expiry=0)
    await layer.group_send("operators", {"type": "push.html"})
    await layer.send("stale!one", {"type": "push.json"})

    # When another group send comes within the sweep interval, the stale channel stays
    await layer.group_send("operators", {"type": "push.html"})
    assert "stale!one" in layer.channels

    # Then the first group send after the interval sweeps it away
    layer._swept_at -= 2 * EmbeddedChannelLayer.SWEEP_INTERVAL
    await layer.group_send("operators", {"type": "push.html"})
    assert "stale!one" not in layer.channels


async def test_a_group_send_reaches_every_member_but_a_full_one():
    layer = EmbeddedChannelLayer(capacity=1)
    for channel in ("page!a", "page!b", "page!full"):
        await layer.group_add("inbox", channel)
    await layer.send("page!full", {"type": "push.html", "html": "earlier"})

    await layer.group_send("inbox", {"type": "push.html", "html": "row"})

    assert (await layer.receive("page!a"))["html"] == "row"
    assert (await layer.receive("page!b"))["html"] == "row"
    assert (await layer.receive("page!full"))["html"] == "earlier"
    assert "page!full" not in layer.channels  # nothing more was queued for it


async def test_members_get_the_message_itself_not_copies():
    # Fan-out builds each group message for its send and consumers only read it: a copy per member was waste.
    layer = EmbeddedChannelLayer()
    await layer.group_add("inbox", "page!a")
    await layer.group_add("inbox", "page!b")
    message = {"type": "push.json", "payload": {"n": 1}}
    await layer.group_send("inbox", message)

    assert await layer.receive("page!a") is message
    assert await layer.receive("page!b") is message


async def test_an_in_memory_layer_knows_which_groups_are_empty():
    layer = EmbeddedChannelLayer()
    await layer.group_add("inbox", "page!a")

    assert may_have_members(layer, "inbox")
    assert not may_have_members(layer, "conversation")

    await layer.group_discard("inbox", "page!a")
    assert not may_have_members(layer, "inbox")


def test_a_shared_layer_is_assumed_to_have_members():
    assert may_have_members(RedisPubSubChannelLayer(hosts=["redis://127.0.0.1:6379"]), "inbox")
