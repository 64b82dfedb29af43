"""The bookmobile node: the library desk on the van, offline first (SPEC B1, B2).

Staff register patrons and lend, take back, renew and hand over holds at stops with no network.
Every action is committed durably to local SQLite together with its outbox entry before staff
see "done"; the outbox goes to central later (issue 4). This package never imports `central`:
the two meet only in `sync_protocol`.
"""
