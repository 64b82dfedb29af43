"""Every cookie central sets: HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS.

Behind a TLS-terminating proxy, run Uvicorn with --proxy-headers so the scheme is seen as https.
"""

from fastapi import Request
from starlette.responses import Response


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https")
