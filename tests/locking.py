"""Helpers for the "no lost update" tests: two people start from the same version of one object.

Each helper plays the real sequence: both read the object (the form page with its hidden version,
or the API's ETag), the first saves, then the second saves from what they read.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import HttpResponse
from django.test import Client

_HIDDEN_VERSION = re.compile(r'<input type="hidden" name="(?:[\w-]+-)?version" value="(\d+)"')


def form_version(page: HttpResponse) -> int:
    """The version a form page sends back (its hidden field)."""
    found = _HIDDEN_VERSION.findall(page.content.decode())
    assert found, "the page has no hidden version field"
    assert len(set(found)) == 1, found
    return int(found[0])


def send(client: Client, method: str, url: str, body: dict[str, Any], **headers: str) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", headers=headers)


def api_race(
    first: Client, second: Client, *, read: str, write: str, method: str, mine: dict[str, Any], theirs: dict[str, Any]
) -> tuple[Any, Any]:
    """Both read ``read`` (its ETag); the first writes with ``If-Match``, the second with the body's version.

    Returns the two answers; the second must be the 409.
    """
    one, two = first.get(read), second.get(read)
    assert one.status_code == two.status_code == 200, (one.content, two.content)
    etag = one.headers["ETag"]
    assert etag == two.headers["ETag"] == f'"{one.json()["version"]}"'
    answer_one = send(first, method, write, mine, **{"If-Match": etag})
    answer_two = send(second, method, write, {**theirs, "version": two.json()["version"]})
    return answer_one, answer_two
