"""The staff pages under /staff (Japanese, the patrons' look): sign-in, the main desk, and the admin
console (conflicts, devices). Every form is checked for its CSRF token by the router itself, every
page for its role by its own router, and every failure is answered by `StaffRoute`."""

from fastapi import APIRouter, Depends

from central.web.security.csrf import verify_form
from central.web.staff import auth, conflicts, desk, devices, patrons, registration, timetable
from central.web.staff.route import StaffRoute

router = APIRouter(include_in_schema=False, route_class=StaffRoute, dependencies=[Depends(verify_form)])
for module in (auth, desk, registration, patrons, conflicts, devices, timetable):
    router.include_router(module.router)
