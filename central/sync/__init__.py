"""Central's side of sync (B3, B5, B6): devices, batch ingest, conflicts, downstream changes.

The HTTP endpoints (`central.sync.http`) only translate; the functions here do the work through
the domain services, inside one transaction per batch.
"""
