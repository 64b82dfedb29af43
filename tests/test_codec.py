"""The canonical encoding is the protocol's definition, byte for byte (B3: both sides hash it)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.codec import canonical_json

_DEFINITION = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_SCALARS = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text()
_DOCUMENTS = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4), max_leaves=25
)


@settings(max_examples=500)
@given(_DOCUMENTS)
def test_b3_canonical_bytes_are_sorted_compact_utf8_json(document: object) -> None:
    try:
        expected = _DEFINITION.encode(document).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate has no UTF-8 form: refused either way
        return
    assert canonical_json(document) == expected
