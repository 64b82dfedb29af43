"""Small HTTP helpers shared by the web tests (TestClient over the ASGI app)."""

import re

from fastapi.testclient import TestClient

_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_POST_FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S)


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The form token a page of `path` carries (the page also sets the browser's CSRF cookie)."""
    response = client.get(path)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_forms(html: str) -> list[str]:
    """The bodies of the page's POST forms."""
    return _POST_FORM.findall(html)


def sign_in(client: TestClient, card: str, password: str) -> None:
    """Sign in through the pages; the client keeps the session cookie."""
    response = client.post(
        "/login",
        data={"card_number": card, "password": password, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/account"


def api_token(client: TestClient, card: str, password: str) -> dict[str, str]:
    """Authorization headers for a fresh API token session."""
    response = client.post("/api/v1/session", json={"card_number": card, "password": password})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
