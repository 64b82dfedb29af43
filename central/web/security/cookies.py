"""Every cookie central sets: HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS.

Setting and deleting both go through here, so a cookie is deleted with the very attributes it was
set with. The staff session cookie is the one narrower cookie: path /staff and SameSite=Strict.

Behind a TLS-terminating proxy, run Uvicorn with --proxy-headers so the scheme is seen as https.
"""

from typing import Literal

from fastapi import Request
from starlette.responses import Response

SameSite = Literal["lax", "strict"]


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int | None,
    path: str = "/",
    samesite: SameSite = "lax",
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite=samesite,
        secure=request.url.scheme == "https",
    )


def delete_cookie(
    request: Request, response: Response, name: str, *, path: str = "/", samesite: SameSite = "lax"
) -> None:
    response.delete_cookie(name, path=path, httponly=True, samesite=samesite, secure=request.url.scheme == "https")
