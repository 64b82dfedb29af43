"""The API against its own OpenAPI schema: requests generated from it, valid and invalid, sent as
a signed-in patron, never get a server error. Bounded to a few examples per operation."""

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from central.settings import Settings
from central.web.app import create_app
from tests.web.helpers import api_token
from tests.web.library import CARD_A, PASSWORD_A

EXAMPLES_PER_OPERATION = 5


def _check(operation: schemathesis.APIOperation, mode: GenerationMode, bearer: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=bearer, checks=[not_a_server_error])

    try:
        check()
    except Unsatisfiable:
        # No invalid request exists for an operation without parameters or body.
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_api_schema_generated_requests_never_get_a_server_error(settings: Settings) -> None:
    # Generated guesses must not lock the patron out (the throttle has its own tests).
    relaxed = settings.model_copy(
        update={"sign_in_max_failures_per_card": 10**6, "sign_in_max_failures_per_address": 10**6}
    )
    app = create_app(relaxed)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    with TestClient(app) as client:
        bearer = api_token(client, CARD_A, PASSWORD_A)
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                # Generated calls may sign out: sign in again so later operations get past the 401.
                if client.get("/api/v1/me", headers=bearer).status_code == 401:
                    bearer = api_token(client, CARD_A, PASSWORD_A)
                _check(operation, mode, bearer)
