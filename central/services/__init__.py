"""Domain services: the only code that writes circulation state.

Each public function is one use case run in one transaction (`transaction`), or as a savepoint
when a caller - the sync ingest applying a whole batch - already holds one. They take a
`ServiceContext` saying who acts, where, when and under which policy, so an operation from a van
is applied as of its own time and place, not the time the batch arrived.
"""

# Registers the flush hook that keeps the vans' change log (B6) in step with every write.
from central.services import changelog  # noqa: F401
