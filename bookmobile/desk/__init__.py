"""The desk's use cases: one function per action, one write transaction per action.

Each use case reads the local view, applies the shared rules (sync_protocol), and in the same
transaction appends its operation to the outbox and updates the local view. When it returns,
the commit is on disk (B2); only then may the CLI say "done".
"""
