"""Central's HTTP side: FastAPI app factory, patron pages, staff pages, JSON API, sync endpoints."""
