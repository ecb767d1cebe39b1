"""What a test needs from the machine that pip does not bring: Debian's tools, Node, a browser.

In CI (CI set), scripts/test has installed all of it, so anything missing
is a failure; on a developer's machine it is a skip that says what to install.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(message: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)
