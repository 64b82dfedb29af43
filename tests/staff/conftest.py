"""Fixtures for the staff side: central's and the sync tests' fixtures (a migrated SQLite file per
test, a service context, an enrolled van node sending operations in-process) plus staff accounts."""

from collections.abc import Callable

import pytest

from central.services.context import ServiceContext
from central.staff.accounts import StaffMember, add_staff
from tests.staff.helpers import ADMIN_PASSWORD, DESK_PASSWORD
from tests.sync.conftest import *  # noqa: F403 - fixtures shared with central's and the sync tests


@pytest.fixture
def admin(ctx: Callable[..., ServiceContext]) -> StaffMember:
    return add_staff(ctx(actor="operator:test"), "kanri", "admin", ADMIN_PASSWORD, "管理 花子")


@pytest.fixture
def desk(ctx: Callable[..., ServiceContext]) -> StaffMember:
    return add_staff(ctx(actor="operator:test"), "madoguchi", "desk", DESK_PASSWORD, "窓口 太郎")
