"""Every URL × every role → the expected outcome. A URL missing from the table fails, so a new
page cannot ship without someone deciding who may open it."""

from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = [
    "anonymous",
    "outsider",
    "caseworker_a",
    "caseworker_b",
    "county_caseworker",
    "supervisor",
    "finance",
    "administrator",
    "auditor",
]
STAFF = [role for role in ROLES if role not in ("anonymous", "outsider")]

LOGIN = "login"  # redirected to the login page
HOME = "home"  # redirected to the dashboard


@dataclass
class Case:
    method: str = "get"
    kwargs: dict = field(default_factory=dict)  # values are names of People attributes + field
    data: dict = field(default_factory=dict)
    expect: dict = field(default_factory=dict)  # role → status or LOGIN/HOME
    default: object = 200


def staff_only(**overrides) -> dict:
    return {"anonymous": LOGIN, "outsider": 403, **overrides}


EDITORS = staff_only(finance=403, administrator=403, auditor=403)
OWN_FILE = staff_only(caseworker_b=404)  # household_a belongs to union A
OTHER_FILE = staff_only(caseworker_a=404)  # household_b belongs to union B
EDIT_ONLY = {"finance": 403, "administrator": 403, "auditor": 403}
# Entering an approved file directly, and ending one directly, are a supervisor's (caseworkers
# file applications instead): everyone else is refused before any object is looked up.
SUPERVISOR_ONLY = {role: 403 for role in STAFF if role != "supervisor"}
# A GET on a POST-only action is refused (405) before any object is looked up.
POST_ONLY = {role: 405 for role in STAFF} | {
    "finance": 403,
    "administrator": 403,
    "auditor": 403,
}
NOT_THERE = staff_only(**{role: 404 for role in STAFF})
# Supervisors decide on applications and run the public notice; everyone else on the staff reads.
SUPERVISOR_ONLY = staff_only(**{role: 403 for role in STAFF if role != "supervisor"})
SUPERVISOR_POST_ONLY = {role: 403 for role in STAFF} | {"supervisor": 405}

# url name → cases. kwargs name the object by "person_attribute.field" (e.g. union_a.code).
TABLE: dict[str, list[Case]] = {
    "dashboard": [Case(expect=staff_only())],
    "org:union_list": [Case(expect=staff_only())],
    "org:union_detail": [
        Case(kwargs={"code": "union_a.code"}, expect=staff_only(caseworker_b=404)),
        Case(kwargs={"code": "union_b.code"}, expect=staff_only(caseworker_a=404)),
    ],
    "login": [Case(expect={"anonymous": 200}, default=HOME)],
    "logout": [Case(method="post", default=LOGIN)],
    "password_change": [Case(expect={"anonymous": LOGIN})],
    "password_change_done": [Case(expect={"anonymous": LOGIN})],
    "set_language": [Case(method="post", data={"language": "en", "next": "/"}, default=HOME)],
    "healthz": [Case()],
    # The household registry. Another union's file is a 404 for a grassroots caseworker.
    **{
        name: [
            Case(expect=staff_only()),
        ]
        for name in ["households:list", "households:spot_checks"]
    },
    "households:create": [Case(expect=staff_only(**SUPERVISOR_ONLY))],
    "households:review_queue": [Case(expect=EDITORS)],
    "households:standard_impact": [
        Case(
            expect=staff_only(
                caseworker_a=403, caseworker_b=403, county_caseworker=403, finance=403
            )
        )
    ],
    **{
        name: [
            Case(kwargs={"pk": "household_a.pk"}, expect={**OWN_FILE, **extra}),
            Case(kwargs={"pk": "household_b.pk"}, expect={**OTHER_FILE, **extra}),
        ]
        for name, extra in [
            ("households:detail", {}),
            ("households:edit", EDIT_ONLY),
            ("households:member_add", EDIT_ONLY),
            ("households:classify", EDIT_ONLY),
            ("households:review", EDIT_ONLY),
            ("households:exit", SUPERVISOR_ONLY),
            ("households:remove", SUPERVISOR_ONLY),
            ("households:reinstate", SUPERVISOR_ONLY),
            ("households:visit_add", EDIT_ONLY),
        ]
    },
    "households:member_edit": [
        Case(
            kwargs={"pk": "household_a.pk", "member_pk": "household_a.head_id"},
            expect={**OWN_FILE, **EDIT_ONLY},
        ),
        Case(
            kwargs={"pk": "household_b.pk", "member_pk": "household_b.head_id"},
            expect={**OTHER_FILE, **EDIT_ONLY},
        ),
    ],
    "households:member_remove": [
        Case(
            kwargs={"pk": "household_a.pk", "member_pk": "household_a.head_id"},
            expect={**OWN_FILE, **EDIT_ONLY},
        ),
        Case(
            kwargs={"pk": "household_b.pk", "member_pk": "household_b.head_id"},
            expect={**OTHER_FILE, **EDIT_ONLY},
        ),
    ],
    # POST-only actions: a GET is refused before anything happens.
    **{
        name: [Case(kwargs={"pk": "household_a.pk"}, expect={**OWN_FILE, **POST_ONLY})]
        for name in ["households:document_add", "households:measure_add"]
    },
    # Objects that do not exist in the fixture: every role that may look gets a 404.
    "households:document": [
        Case(kwargs={"pk": "household_a.pk", "document_pk": "household_a.pk"}, expect=NOT_THERE)
    ],
    "households:measure_update": [
        Case(
            kwargs={"pk": "household_a.pk", "measure_pk": "household_a.pk"},
            expect={**NOT_THERE, **POST_ONLY},
        )
    ],
    "households:visit_photo": [
        Case(kwargs={"pk": "household_a.pk", "visit_pk": "household_a.pk"}, expect=NOT_THERE)
    ],
    # Excel import and export
    "households:import": [Case(expect=EDITORS)],
    "households:import_template": [Case(expect=EDITORS)],
    # An upload token nobody was given (here "1301") is a 404 to those who may import.
    "households:import_preview": [
        Case(kwargs={"token": "union_a.code"}, expect={**NOT_THERE, **EDIT_ONLY})
    ],
    "households:export": [Case(expect=staff_only())],
    # Applications and public notices. application_a and notice_a belong to union A,
    # application_b to union B; a grassroots caseworker of the other union gets a 404.
    "cases:application_list": [Case(expect=staff_only())],
    "cases:application_create": [Case(expect=EDITORS)],
    "cases:application_for_household": [
        Case(kwargs={"household_pk": "household_a.pk"}, expect={**OWN_FILE, **EDIT_ONLY}),
        Case(kwargs={"household_pk": "household_b.pk"}, expect={**OTHER_FILE, **EDIT_ONLY}),
    ],
    **{
        name: [
            Case(kwargs={"pk": "application_a.pk"}, expect={**OWN_FILE, **extra}),
            Case(kwargs={"pk": "application_b.pk"}, expect={**OTHER_FILE, **extra}),
        ]
        for name, extra in [
            ("cases:application_detail", {}),
            ("cases:application_edit", EDIT_ONLY),
            ("cases:application_survey", EDIT_ONLY),
        ]
    },
    "cases:application_submit": [
        Case(kwargs={"pk": "application_a.pk"}, expect={**OWN_FILE, **POST_ONLY}),
        # Posting to another union's application is a 404; in scope it submits (302).
        Case(
            method="post",
            kwargs={"pk": "application_b.pk"},
            expect={**OTHER_FILE, **EDIT_ONLY},
            default=302,
        ),
    ],
    **{
        name: [
            Case(kwargs={"pk": "application_a.pk"}, expect=SUPERVISOR_ONLY),
            Case(kwargs={"pk": "application_b.pk"}, expect=SUPERVISOR_ONLY),
        ]
        for name in [
            "cases:application_review",
            "cases:application_return",
            "cases:application_reject",
        ]
    },
    "cases:application_approve": [
        Case(kwargs={"pk": "application_a.pk"}, expect=staff_only(**SUPERVISOR_POST_ONLY))
    ],
    "cases:notice_list": [Case(expect=staff_only())],
    "cases:notice_create": [Case(expect=SUPERVISOR_ONLY)],
    **{
        name: [Case(kwargs={"pk": "notice_a.pk"}, expect=OWN_FILE)]
        for name in ["cases:notice_detail", "cases:notice_print", "cases:notice_pdf"]
    },
    **{
        name: [Case(kwargs={"pk": "notice_a.pk"}, expect=staff_only(**SUPERVISOR_POST_ONLY))]
        for name in ["cases:notice_publish", "cases:notice_approve_all"]
    },
    "cases:objection_record": [Case(kwargs={"pk": "notice_a.pk"}, expect=SUPERVISOR_ONLY)],
    # No objection in the fixture: the supervisor gets a 404, everyone else is refused first.
    "cases:objection_resolve": [
        Case(
            kwargs={"pk": "notice_a.pk", "objection_pk": "notice_a.pk"},
            expect={**SUPERVISOR_ONLY, "supervisor": 404},
        )
    ],
}

# Django's admin: open to administrators only; everyone else is sent to log in (anonymous) or
# refused (staff without the role). Every admin URL is covered by this rule; those without
# arguments are requested below.
ADMIN_EXPECT = {"anonymous": LOGIN, "administrator": 200}
ADMIN_DEFAULT = 403
ADMIN_EXCEPTIONS = {
    # The admin's login hands over to the product's one login page.
    "admin:login": {"anonymous": LOGIN, "administrator": 302},
    # Logging out is a POST: a GET is refused (405) to administrators and sent back to the
    # admin index (which refuses or asks to log in) for everyone else.
    "admin:logout": {role: 405 if role == "administrator" else 302 for role in ROLES},
    # Autocomplete needs a model and field to answer; without them it is refused to everyone.
    "admin:autocomplete": {"anonymous": LOGIN},
    # The login log is written by axes only; nobody adds rows by hand.
    "admin:axes_accessattempt_add": {"anonymous": LOGIN},
    "admin:axes_accessfailurelog_add": {"anonymous": LOGIN},
    "admin:axes_accesslog_add": {"anonymous": LOGIN},
}


def walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, prefix + str(pattern.pattern), pattern


def all_url_names() -> dict[str, URLPattern]:
    return {name: pattern for name, _, pattern in walk(get_resolver().url_patterns)}


def test_every_url_is_in_the_table():
    names = all_url_names()
    unnamed = [
        route
        for _, route, pattern in walk(get_resolver().url_patterns)
        if not pattern.name and not route.startswith("admin/")
    ]
    missing = sorted(n for n in names if not n.startswith("admin:") and n not in TABLE)
    assert not missing, f"URLs without an access row in TABLE: {missing}"
    assert not unnamed, f"URLs without a name cannot be checked: {unnamed}"
    stale = sorted(n for n in TABLE if n not in names)
    assert not stale, f"TABLE rows for URLs that no longer exist: {stale}"


def test_every_view_declares_its_access():
    for name, pattern in all_url_names().items():
        if name.startswith("admin:"):
            continue
        assert getattr(pattern.callback, "access", None), f"{name} declares no access"


def resolve_kwargs(people, kwargs: dict) -> dict:
    resolved = {}
    for key, path in kwargs.items():
        attribute, field_name = path.split(".")
        resolved[key] = getattr(people[attribute], field_name)
    return resolved


def outcome(response) -> object:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("login")):
            return LOGIN
        if location == reverse("dashboard"):
            return HOME
    return response.status_code


def request_as(client, people, role: str, method: str, url: str, data: dict):
    if role != "anonymous":
        client.force_login(people[role])
    return getattr(client, method)(url, data)


TABLE_ROWS = [
    (name, index, role)
    for name, cases in TABLE.items()
    for index in range(len(cases))
    for role in ROLES
]


@pytest.mark.parametrize(("name", "index", "role"), TABLE_ROWS)
def test_url_role_outcome(client, workflow, name, index, role):
    people = workflow
    case = TABLE[name][index]
    url = reverse(name, kwargs=resolve_kwargs(people, case.kwargs))
    response = request_as(client, people, role, case.method, url, case.data)
    assert outcome(response) == case.expect.get(role, case.default), f"{role} {case.method} {url}"


def admin_urls_without_arguments() -> list[str]:
    return sorted(
        name
        for name, pattern in all_url_names().items()
        if name.startswith("admin:")
        and not pattern.pattern.converters
        and "(?P" not in str(pattern.pattern)
    )


@pytest.mark.parametrize("name", admin_urls_without_arguments())
@pytest.mark.parametrize("role", ROLES)
def test_admin_url_role_outcome(client, people, name, role):
    response = request_as(client, people, role, "get", reverse(name), {})
    if response.status_code == 302 and reverse("admin:login") in response["Location"]:
        response = client.get(response["Location"])  # the admin's login hop
    expect = ADMIN_EXCEPTIONS.get(name, ADMIN_EXPECT)
    expected = expect.get(role, ADMIN_DEFAULT)
    assert outcome(response) == expected, f"{role} GET {reverse(name)}"
