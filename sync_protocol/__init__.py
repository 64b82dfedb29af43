"""The contract between the bookmobile node and central.

Pure code: data types, encoding, checksums, and the circulation rules that both sides must
evaluate identically (SPEC R1, R9, R12, due dates, input normalisation). Nothing here does I/O
beyond encoding, and nothing imports an ORM, an HTTP library or a web framework, so a node and
central that run the same version of this package decide the same way.
"""

PROTOCOL_VERSION = 1
