from realtime.layers import EmbeddedChannelLayer


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
