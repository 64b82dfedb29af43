"""Fixtures for the staff side: central's and the sync tests' fixtures (a migrated SQLite file per
test, a service context, an enrolled van node sending operations in-process) plus staff accounts."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from central.services.context import ServiceContext
from central.settings import Settings
from central.staff.accounts import StaffMember, add_staff
from central.web.app import create_app
from tests.central.conftest import NOW
from tests.staff.helpers import ADMIN_PASSWORD, DESK_PASSWORD, staff_sign_in
from tests.sync.conftest import *  # noqa: F403 - fixtures shared with central's and the sync tests

SECRET = "staff-test-secret-" + "y" * 40
APP_NOW = NOW + timedelta(days=1)


@pytest.fixture
def admin(ctx: Callable[..., ServiceContext]) -> StaffMember:
    return add_staff(ctx(actor="operator:test"), "kanri", "admin", ADMIN_PASSWORD, "管理 花子")


@pytest.fixture
def desk(ctx: Callable[..., ServiceContext]) -> StaffMember:
    return add_staff(ctx(actor="operator:test"), "madoguchi", "desk", DESK_PASSWORD, "窓口 太郎")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path, secret_key=SECRET)


@pytest.fixture
def app(settings: Settings, locations: dict) -> FastAPI:
    """Central's app on this test's database (with its locations), its clock one day after NOW."""
    return create_app(settings, require_secret=True, clock=lambda: APP_NOW)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin_client(client: TestClient, admin: StaffMember) -> TestClient:
    staff_sign_in(client, admin.username, ADMIN_PASSWORD)
    return client


@pytest.fixture
def desk_client(client: TestClient, desk: StaffMember) -> TestClient:
    staff_sign_in(client, desk.username, DESK_PASSWORD)
    return client
