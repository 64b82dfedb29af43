"""The node's local SQLite store: connection and durability, schema, snapshot tables, local view, outbox."""
