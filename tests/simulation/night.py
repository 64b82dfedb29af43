"""Each simulated night at 02:00 in Tokyo: most vans dock and sync (some take a backup), then the
nightly job runs for that date, its mail going to the SMTP server, the .eml folder, or - on a day
with SMTP down - to a closed port; the next night must send what stayed pending, once.
"""

from datetime import date, datetime, time, timedelta

from central.nightly.job import run_nightly
from sync_protocol.timezone import TOKYO, tokyo_date
from tests.simulation import invariants
from tests.simulation.faults import back_up
from tests.simulation.mailroom import Route
from tests.simulation.syncing import pick_fault, sync_van
from tests.simulation.world import World


def next_night(after: datetime) -> datetime:
    """The first 02:00 in Tokyo strictly after `after`."""
    local = after.astimezone(TOKYO)
    candidate = datetime.combine(local.date(), time(2, 0), TOKYO)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(after.tzinfo)


def advance(world: World, seconds: float) -> None:
    """Move the clock on by `seconds`, running every night that passes on the way."""
    target = world.clock.now() + timedelta(seconds=seconds)
    while (night := next_night(world.clock.now())) <= target:
        world.clock.current = night
        run_night(world, tokyo_date(night))
    world.clock.current = target


SMTP_DOWN_SHARE = 0.1


def _route(world: World) -> Route:
    """Mostly the SMTP server, sometimes the .eml folder, one night in ten a closed port."""
    roll = world.rng.random()
    if roll < SMTP_DOWN_SHARE:
        return Route.SMTP_DOWN
    return Route.SMTP if roll < 0.7 else Route.EML


def run_night(world: World, day: date) -> None:
    for code in sorted(world.vans):
        van = world.vans[code]
        if world.rng.random() < 0.6:
            sync_van(world, van, pick_fault(world))
            world.stats.done["sync (docked at night)"] += 1
        if world.rng.random() < 0.08:
            back_up(world, van)
    route = _route(world)
    settings = world.mailroom.settings_for(world.settings, route)
    report = run_nightly(world.engine, settings, run_date=day, clock=world.clock.now, holder="simulation")
    world.stats.done["nightly job"] += 1
    if route is Route.SMTP_DOWN:
        world.stats.faults["SMTP down for a night"] += 1
    for step, counts in report.counts.items():
        for key, count in counts.items():
            world.stats.notes[f"nightly {step}: {key}"] += count
    invariants.after_night(world, report, route)
