"""A child as the simulation follows them (`Child`), and allocating a sibling group to a worker.

Shared by the journeys (front door, CIN, CP), the periods of care and the services, which call
each other's steps; this module imports none of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reporting.casedb.synth.world import Worker, World


@dataclass
class Child:
    person_id: str
    dob: date
    sex: str
    family_id: str
    disabled: bool = False
    in_care: bool = False
    uasc: bool = False  # an unaccompanied asylum-seeking child: looked after under section 20 to 18
    open_episode: dict | None = None  # the open CIN episode (referral) row, if any
    # Every CIN episode row of the child, whoever opened it (front door, CYPDS): a new referral
    # may open an episode only when all of them are closed before it (DfE rules 8815/8816/8820).
    episodes: list = field(default_factory=list)
    # The current episode's assessment authorisation date (may lie after the as-at date): the
    # episode cannot close before its assessment is completed (DfE rules 8565, 8867).
    assessed_on: date | None = None
    had_cp_plan: bool = False  # on a CP plan before: re-referrals escalate more often
    cp_plan_ended: date | None = None  # when the child's last CP plan ended
    upn: str | None = None
    events: list = field(default_factory=list)

    def age_on(self, d: date) -> int:
        return d.year - self.dob.year - ((d.month, d.day) < (self.dob.month, self.dob.day))

    def free_for_referral(self, when: date) -> bool:
        """No CIN episode of the child is open on `when`, ends on it, or starts on or after it.

        A child already open to the service (an episode still open, in care, held by the
        disability service) is not referred again: the contact is about an open case.
        """
        if self.in_care:
            return False
        return all(row["cine_close_date"] is not None and row["cine_close_date"] < when
                   and row["cine_referral_date"] < when for row in self.episodes)


def allocate(world: World, children: list[Child], kind: str, start: date, end: date | None,
             referral_ids: dict[str, str]) -> Worker:
    """Allocate the sibling group to one worker of a team of `kind` for [start, end].

    A worker who leaves during the allocation hands over to a colleague; the involvement
    history records the change, as MOSAIC's allocated-worker history does.
    """
    worker = world.worker_in(kind, start)
    current = start
    while True:
        until = end
        reason = None
        if worker.leave and worker.leave <= world.as_at and (end is None or worker.leave < end) \
                and worker.leave > current:
            until, reason = worker.leave, "Worker left"
        for child in children:
            world.add(
                "ssd_involvements",
                invo_involvements_id=world.next_id("I"), invo_professional_id=worker.professional_id,
                invo_professional_role_id=worker.role, invo_professional_team=worker.team_id,
                invo_involvement_start_date=current, invo_involvement_end_date=world.happened(until),
                invo_worker_change_reason=reason, invo_person_id=child.person_id,
                invo_referral_id=referral_ids.get(child.person_id),
            )
        if reason is None:
            return worker
        assert until is not None  # a reason is given only with the leaving date
        current = until
        worker = world.worker_in(kind, current)


# ---- the front door ----------------------------------------------------------------------


def birthday(child: Child, age: int) -> date:
    """The day `child` turns `age` (28 February in other years for someone born on 29 February)."""
    try:
        return child.dob.replace(year=child.dob.year + age)
    except ValueError:  # born on 29 February
        return child.dob.replace(year=child.dob.year + age, day=28)
