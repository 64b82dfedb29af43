"""The patrons' pages (server-rendered, Japanese). Every page knows who is signed in (the header
shows it), and every form is checked for its CSRF token, by the router's own dependencies, so no
page can forget either."""

from fastapi import APIRouter, Depends

from central.web.deps import resolve_viewer
from central.web.pages import account, auth, cart_and_holds, search, stops
from central.web.security.csrf import verify_form

router = APIRouter(include_in_schema=False, dependencies=[Depends(resolve_viewer), Depends(verify_form)])
for module in (search, cart_and_holds, auth, account, stops):
    router.include_router(module.router)
