"""Services, teams, the staff directory, funded posts and schools of the synthetic authority."""

from __future__ import annotations

from datetime import date, timedelta

from reporting.casedb.synth.names import person_name
from reporting.casedb.synth.world import Team, Worker, World

# (service id, service name, area, [(team kind, team name, case-holding social workers)]).
# Sized so that caseloads per FTE land where the DfE's workforce statistics put an inner-London
# authority (Camden 11.2, Inner London 12.8 cases per case-holding FTE: config/calibration.yml).
SERVICES = [
    ("SV-FD", "Front Door and Early Help", "front_door",
     [("MASH", "MASH and Contact Service", 8), ("BIT", "Brief Intervention Team", 13)]),
    ("SV-FS", "Family Support and Complex Families", "cin_cp",
     [("FIT", "Family Intervention Team", 17), ("FIT", "Family Intervention Team", 17),
      ("CIN", "Child in Need Team", 18), ("CIN", "Child in Need Team", 18)]),
    ("SV-GOSH", "Great Ormond Street Hospital Social Work", "gosh",
     [("GOSH", "GOSH Hospital Team", 10)]),
    ("SV-LAC", "Looked After Children and Leaving Care", "lac",
     [("LAC", "Looked After Children Team", 11), ("LAC", "Looked After Children Team", 11),
      ("LC", "Leaving Care Team", 7), ("FOST", "Fostering Team", 3)]),
    ("SV-CYPDS", "Children and Young People's Disability Service", "cypds",
     [("CYPDS", "CYPDS Team", 17)]),
    ("SV-QAU", "Quality Assurance Unit", "qa",
     [("IRO", "Independent Reviewing and CP Chairs", 0), ("PERF", "Performance and Systems", 0)]),
]

# Service-wide roles held by one person each (or a few), with the team they sit in.
CENTRAL_ROLES = [
    ("DIRECTOR", "SV-QAU", "PERF"), ("EXEC_DIRECTOR", "SV-QAU", "PERF"),
    ("SW_AD", "SV-QAU", "PERF"), ("QAU_HEAD", "SV-QAU", "PERF"),
    ("CORPORATE_STRATEGY", "SV-QAU", "PERF"), ("COMMISSIONING", "SV-QAU", "PERF"),
    ("DMM", "SV-QAU", "PERF"), ("PERFORMANCE", "SV-QAU", "PERF"), ("PERFORMANCE", "SV-QAU", "PERF"),
    ("SUPERUSER", "SV-QAU", "PERF"), ("SUPERUSER", "SV-QAU", "PERF"),
    ("BUSINESS_SUPPORT", "SV-QAU", "PERF"), ("BUSINESS_SUPPORT", "SV-QAU", "PERF"),
    ("CSE_MISSING_ANALYST", "SV-FS", "FIT"), ("IRO_MANAGER", "SV-QAU", "IRO"),
    ("CPO", "SV-QAU", "IRO"), ("CPO", "SV-QAU", "IRO"), ("CPO", "SV-QAU", "IRO"),
    ("IRO", "SV-QAU", "IRO"), ("IRO", "SV-QAU", "IRO"), ("IRO", "SV-QAU", "IRO"),
    ("IRO", "SV-QAU", "IRO"), ("AUDITOR", "SV-QAU", "IRO"), ("AUDITOR", "SV-QAU", "IRO"),
    ("EDUCATION_WELFARE_OFFICER", "SV-FD", "BIT"), ("VIRTUAL_SCHOOL_HEAD", "SV-LAC", "LAC"),
    ("VIRTUAL_SCHOOL_OPS", "SV-LAC", "LAC"), ("VIRTUAL_SCHOOL_STAFF", "SV-LAC", "LAC"),
    ("RESOURCE_TEAM", "SV-LAC", "FOST"), ("SHORT_BREAKS_COORDINATOR", "SV-CYPDS", "CYPDS"),
    ("EARLY_HELP_TM", "SV-FD", "MASH"),
]

JOB_TITLES = {
    "SW": "Social Worker", "SP": "Senior Practitioner", "TM": "Team Manager",
    "SM": "Service Manager", "HOS": "Head of Service", "PA": "Personal Adviser",
}
GRADES = {"SW": "Level 2", "SP": "Level 3", "TM": "Manager", "SM": "Senior Manager",
          "HOS": "Head of Service", "PA": "Level 1"}

SCHOOL_PHASES = {"Primary": 0.7, "Secondary": 0.3}


def _staff(world: World, role: str, team_id: str, start: date, leave: date | None,
           *, agency: bool = False, asye: bool = False, manager_id: str | None = None) -> str:
    pid = world.next_id("W")
    name = person_name(world.rng, world.pick("MF"))
    title = JOB_TITLES.get(role, role.replace("_", " ").title())
    world.add(
        "ssd_professionals",
        prof_professional_id=pid, prof_staff_id=f"S{pid[1:]}", prof_professional_name=name,
        prof_social_worker_registration_no=f"SW{world.rng.randint(10000, 99999)}"
        if role in ("SW", "SP", "TM", "PA") else None,
        prof_professional_job_title=title, prof_professional_caseload=None,
        prof_professional_department=team_id,
        prof_full_time_equivalency=1.0 if world.chance(0.85) else world.pick([0.5, 0.6, 0.8]),
        prof_agency_worker_flag="Y" if agency else "N",
    )
    local = name.lower().replace(" ", ".").replace("'", "")
    world.add(
        "ext_staff",
        staf_professional_id=pid, staf_role=role, staf_team_id=team_id,
        staf_grade=GRADES.get(role, "Officer"), staf_start_date=start, staf_leave_date=leave,
        staf_is_agency=agency, staf_is_asye=asye, staf_email=f"{local}.{pid.lower()}@example.org",
        staf_line_manager_id=manager_id,
    )
    if leave is None or leave > world.as_at:
        world.staff_by_role[role].append(pid)
    return pid


def _positions(world: World, team: Team, role: str, count: int, manager_id: str) -> None:
    """Fill each funded post with a succession of workers over the history, with gaps."""
    for _ in range(count):
        start = world.sim_start - world.days(0, 2000)
        while start <= world.as_at:
            # Agency workers stay months, permanent ones years: a third of appointments gives the
            # ~9% of FTE in post that Camden reports (DfE workforce statistics 2025).
            agency = world.chance(0.30)
            tenure = world.rng.randint(120, 500) if agency else world.rng.randint(400, 2200)
            leave = start + timedelta(days=tenure)
            asye = role == "SW" and not agency and world.chance(0.2)
            pid = _staff(world, role, team.team_id, start, leave if leave <= world.as_at else None,
                         agency=agency, asye=asye, manager_id=manager_id)
            team.workers.append(Worker(pid, team.team_id, role, start, leave if leave <= world.as_at else None))
            if leave > world.as_at:
                break
            start = leave + world.days(0, 120)  # a vacancy until the post is filled again


def build_organisation(world: World) -> None:
    counts: dict[str, int] = {}
    for service_id, service_name, area, teams in SERVICES:
        world.add("ssd_department", dept_team_id=service_id, dept_team_name=service_name,
                  dept_team_parent_id=None, dept_team_parent_name=None)
        head = _staff(world, "HOS", service_id, world.sim_start, None)
        world.add("ext_services", serv_service_id=service_id, serv_service_name=service_name,
                  serv_area=area, serv_head_of_service_id=head)
        manager = _staff(world, "SM", service_id, world.sim_start, None, manager_id=head)
        # County and London scales have more teams of each kind, not bigger ones.
        for kind, name, workers in teams * (world.scale if workers_scale(area) else 1):
            counts[kind] = counts.get(kind, 0) + 1
            team_id = f"T-{kind}{counts[kind]:02d}"
            team = Team(team_id, f"{name} {counts[kind]}", kind, service_id)
            world.add("ssd_department", dept_team_id=team_id, dept_team_name=team.name,
                      dept_team_parent_id=service_id, dept_team_parent_name=service_name)
            team.manager_id = _staff(world, "TM", team_id, world.sim_start, None, manager_id=manager)
            world.add("ext_teams", team_team_id=team_id, team_service_id=service_id,
                      team_kind=kind, team_manager_id=team.manager_id)
            if workers:
                role = "PA" if kind == "LC" else "SW"
                _positions(world, team, "SP", 1, team.manager_id)
                _positions(world, team, role, workers, team.manager_id)
                world.add("ext_establishment", esta_team_id=team_id, esta_role=role,
                          esta_funded_fte=float(workers))
                world.add("ext_establishment", esta_team_id=team_id, esta_role="SP", esta_funded_fte=1.0)
            world.teams[team_id] = team
            world.teams_by_kind[kind].append(team)
    for role, _service_id, kind in CENTRAL_ROLES * 1:
        team = world.teams_by_kind[kind][0]
        _staff(world, role, team.team_id, world.sim_start, None, manager_id=team.manager_id)
    _schools(world)


def workers_scale(area: str) -> bool:
    return area != "qa"


def _schools(world: World) -> None:
    count = 50 * world.scale
    for n in range(count):
        urn = str(100000 + n)
        phase = world.weighted(SCHOOL_PHASES)
        in_borough = n < int(count * 0.8)
        maintained = in_borough and world.chance(0.75)
        world.add("ext_schools", scho_urn=urn,
                  scho_name=f"{world.pick(SCHOOL_NAMES)} {phase} School {n + 1}",
                  scho_phase=phase, scho_is_maintained=maintained, scho_in_borough=in_borough,
                  scho_cp_lead_email=f"cp-lead.{urn}@schools.example.org" if maintained else None,
                  scho_assistant_head_email=f"assistant-head.{urn}@schools.example.org" if maintained else None)
        world.schools.append(urn)


SCHOOL_NAMES = ["Hampstead Heath", "Regent's Park", "Kentish Town", "Gospel Oak", "Somers Town",
                "Belsize", "Holborn", "Kilburn", "Primrose Hill", "Fitzrovia", "Camden Lock",
                "Swiss Cottage", "Highgate", "Bloomsbury", "West Hampstead", "Agar Grove"]
