"""The JSON depth the input guard measures without parsing is the depth a parser sees."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from issuer.api.input_guard import json_depth

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u0000'),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=3), inner, max_size=4)
    ),
    max_leaves=40,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@given(json_values, st.booleans())
def test_the_measured_depth_is_the_nesting(value: Any, ascii_only: bool) -> None:
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert json_depth(body) == _depth(value)


def test_unclosed_brackets_count() -> None:
    assert json_depth(b"[" * 40) == 40
    assert json_depth(b'{"a": "[[[[", "b": [[1]]}') == 3
    assert json_depth(b"") == 0
    assert json_depth(b"]]]") == 0
