"""The HTTP block's call to a web service (an order-status lookup, a CRM): JSON out, chosen values of the
JSON answer back. Anything but a timely, small, 2xx JSON answer is a failure with its reason; so is an address
on the server's own network (core/outbound.py)."""

import json
import urllib.request
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import quote

from bots.flow import HttpBlock, render
from core import outbound

MAX_ANSWER_BYTES = 256 * 1024
USER_AGENT = "Parley-bot/1"


@dataclass(frozen=True)
class CallResult:
    values: dict[str, object]  # target ("var.status") -> value found in the answer
    error: str = ""  # why it failed; "" when it worked


def call(block: HttpBlock, values: dict[str, dict[str, object]]) -> CallResult:
    url = _url(block.url, values)
    data = None
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    headers.update({name: render(value, values) for name, value in block.headers.items()})
    if block.method == "POST":
        data = json.dumps({key: render(value, values) for key, value in block.body.items()}).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=block.method)  # noqa: S310 - http(s) only, checked by the flow
    try:
        with outbound.urlopen(request, timeout=block.timeout_seconds) as response:
            raw = response.read(MAX_ANSWER_BYTES + 1)
    except outbound.Refused as error:
        return CallResult({}, f"not called: {error.reason}")
    except HTTPError as error:
        return CallResult({}, f"the service answered {error.code}")
    except (URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        return CallResult({}, f"no answer from the service: {reason}")
    if len(raw) > MAX_ANSWER_BYTES:
        return CallResult({}, f"the answer is larger than {MAX_ANSWER_BYTES // 1024} KB")
    try:
        answer = json.loads(raw)
    except ValueError:
        return CallResult({}, "the answer is not JSON")
    return CallResult({m.to: _find(answer, m.path) for m in block.save})


def _url(template: str, values: dict[str, dict[str, object]]) -> str:
    """Variables in a URL are escaped, so a visitor's answer cannot change where the call goes."""
    escaped: dict[str, dict[str, object]] = {
        kind: {key: quote(str(value), safe="") for key, value in found.items()} for kind, found in values.items()
    }
    return render(template, escaped)


def _find(answer: object, path: str) -> object:
    """A dotted path into the answer ("order.status", "items.0.name"); None when it is not there."""
    for part in path.split("."):
        if isinstance(answer, dict):
            answer = answer.get(part)
        elif isinstance(answer, list) and part.isdigit() and int(part) < len(answer):
            answer = answer[int(part)]
        else:
            return None
    return answer if isinstance(answer, str | int | float | bool) or answer is None else json.dumps(answer)
