"""What the web application holds for its lifetime, built once in `create_app` (no module globals)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from central.settings import Settings
from central.web.security.throttle import Limits


@dataclass(frozen=True)
class WebState:
    """Settings, the engine, the secret, the templates and the clock of one application."""

    settings: Settings
    engine: Engine
    secret: bytes
    templates: Jinja2Templates
    clock: Callable[[], datetime]

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(minutes=self.settings.session_minutes)

    @property
    def throttle_limits(self) -> Limits:
        return Limits(
            window=timedelta(minutes=self.settings.sign_in_window_minutes),
            per_card=self.settings.sign_in_max_failures_per_card,
            per_address=self.settings.sign_in_max_failures_per_address,
        )


def web_state(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state
