"""Central: the library's server (catalogue, patrons, loans, holds, sync ingest, nightly job).

Domain services in `central.services` are the only code that writes circulation state; the web
pages, JSON API, CLI, sync ingest and nightly job all call them.
"""
