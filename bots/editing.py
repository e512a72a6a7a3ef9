"""Edits the flow editor makes to a draft, as pure functions on its JSON: add a block after another, change,
delete (what led to it then leads on to where it led), move, pick the start. bots.actions.save_draft checks
the result and keeps it only when it could run."""

import copy
from typing import Any

Flow = dict[str, Any]
BLOCK_TYPES = ("message", "ask", "knowledge", "condition", "set", "task", "http", "handoff", "goal", "jump", "end")
NEW_BLOCK: dict[str, dict[str, Any]] = {
    "message": {"text": "…"},
    "ask": {"text": "…?", "kind": "text"},
    "knowledge": {"text": "What would you like to know?"},
    "condition": {"rules": [{"field": "language", "op": "equals", "value": "en"}]},
    "set": {},
    "task": {"title": "Follow up with {{contact.name}}"},
    "http": {"url": "https://"},
    "handoff": {},
    "goal": {"name": "Goal"},
    "jump": {},
    "end": {},
}
LEADS_ON = ("message", "ask", "knowledge", "condition", "set", "task", "http", "goal")  # blocks with a `next`


def _blocks(flow: Flow) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = flow["blocks"]
    return blocks


def new_id(flow: Flow, kind: str) -> str:
    taken = {b.get("id") for b in _blocks(flow)}
    n = 1
    while f"{kind}{n}" in taken:
        n += 1
    return f"{kind}{n}"


def add_block(flow: Flow, kind: str, *, after: str | None) -> tuple[Flow, str]:
    """A new block of `kind` after `after` in the chain (it takes over where `after` led), else at the end."""
    flow = copy.deepcopy(flow)
    block_id = new_id(flow, kind)
    block: dict[str, Any] = {"id": block_id, "type": kind, **copy.deepcopy(NEW_BLOCK[kind])}
    blocks = _blocks(flow)
    previous = next((b for b in blocks if b.get("id") == after), None)
    if previous is not None and previous.get("type") in LEADS_ON:
        if kind in LEADS_ON and previous.get("next"):
            block["next"] = previous["next"]
        previous["next"] = block_id
    if kind == "jump":
        block["to"] = previous["id"] if previous is not None else flow.get("start", "")
    blocks.insert(blocks.index(previous) + 1 if previous is not None else len(blocks), block)
    if not flow.get("start"):
        flow["start"] = block_id
    return flow, block_id


def replace_block(flow: Flow, block_id: str, fields: dict[str, Any]) -> Flow:
    """The block with these fields (its id and type stay)."""
    flow = copy.deepcopy(flow)
    blocks = _blocks(flow)
    for i, block in enumerate(blocks):
        if block.get("id") == block_id:
            blocks[i] = {
                "id": block_id,
                "type": block["type"],
                **{k: v for k, v in fields.items() if v not in (None, "", [], {})},
            }
    return flow


def delete_block(flow: Flow, block_id: str) -> Flow:
    """Without the block: whatever led to it leads to where it led (or nowhere); the start moves on too."""
    flow = copy.deepcopy(flow)
    gone = next((b for b in _blocks(flow) if b.get("id") == block_id), None)
    if gone is None:
        return flow
    onward = gone.get("next")
    flow["blocks"] = [b for b in _blocks(flow) if b.get("id") != block_id]
    for block in _blocks(flow):
        for key in ("next", "on_fail", "on_error", "when_away", "to"):
            if block.get(key) == block_id:
                if onward and key != "to":
                    block[key] = onward
                else:
                    block.pop(key)
        for item in [*block.get("choices", []), *block.get("rules", [])]:
            if item.get("next") == block_id:
                if onward:
                    item["next"] = onward
                else:
                    item.pop("next")
    if flow.get("start") == block_id:
        flow["start"] = onward or (_blocks(flow)[0]["id"] if _blocks(flow) else "")
    return flow


def move_block(flow: Flow, block_id: str, delta: int) -> Flow:
    """Up or down in the list the editor shows (where blocks lead is unchanged)."""
    flow = copy.deepcopy(flow)
    blocks = _blocks(flow)
    index = next((i for i, b in enumerate(blocks) if b.get("id") == block_id), None)
    if index is not None and 0 <= index + delta < len(blocks):
        blocks[index], blocks[index + delta] = blocks[index + delta], blocks[index]
    return flow


def set_start(flow: Flow, block_id: str) -> Flow:
    flow = copy.deepcopy(flow)
    flow["start"] = block_id
    return flow


def branches(block: dict[str, Any]) -> list[tuple[str, str]]:
    """Where the block may lead, as (when, block id) for the editor's overview; "" block id: the end."""
    found = [(str(c.get("label", "")), c.get("next") or block.get("next") or "") for c in block.get("choices", [])]
    for rule in block.get("rules", []):
        found.append((" ".join(str(rule.get(k, "")) for k in ("field", "op", "value")).strip(), rule.get("next") or ""))
    for key, when in (("on_fail", "✗"), ("on_error", "✗"), ("when_away", "☾"), ("to", "")):
        if block.get(key):
            found.append((when, block[key]))
    if block.get("type") in LEADS_ON and not block.get("choices"):
        found.append(("", block.get("next") or ""))
    return found
