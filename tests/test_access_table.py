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
    "supervisor_a",  # a grassroots supervisor of union A
    "administrator_a",  # a grassroots administrator of union A
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


EDITORS = staff_only(finance=403, administrator=403, auditor=403, administrator_a=403)
OWN_FILE = staff_only(caseworker_b=404)  # household_a belongs to union A
# household_b belongs to union B: every grassroots member of union A gets a 404.
OTHER_FILE = staff_only(caseworker_a=404, supervisor_a=404, administrator_a=404)
EDIT_ONLY = {"finance": 403, "administrator": 403, "auditor": 403, "administrator_a": 403}
# Entering an approved file directly, and ending one directly, are a supervisor's (caseworkers
# file applications instead): everyone else is refused before any object is looked up.
SUPERVISOR_ONLY = {role: 403 for role in STAFF if role not in ("supervisor", "supervisor_a")}
# A GET on a POST-only action is refused (405) before any object is looked up.
POST_ONLY = {role: 405 for role in STAFF} | {
    "finance": 403,
    "administrator": 403,
    "auditor": 403,
    "administrator_a": 403,
}
NOT_THERE = staff_only(**{role: 404 for role in STAFF})
# Supervisors decide on applications and run the public notice; everyone else on the staff reads.
# A grassroots supervisor (supervisor_a) decides within union A and gets a 404 for union B's.
SUPERVISORS = ("supervisor", "supervisor_a")
SUPERVISOR_ONLY = staff_only(**{role: 403 for role in STAFF if role not in SUPERVISORS})
SUPERVISOR_POST_ONLY = {role: 403 for role in STAFF} | {"supervisor": 405, "supervisor_a": 405}

# Relief: bank cards (caseworkers and finance), bank sheets (finance), verification.
CASEWORKERS = ("caseworker_a", "caseworker_b", "county_caseworker")
CARD_EDITORS = staff_only(**{role: 403 for role in STAFF if role not in (*CASEWORKERS, "finance")})
CARD_POST_ONLY = {role: 405 for role in (*CASEWORKERS, "finance")}
FINANCE_ONLY = staff_only(**{role: 403 for role in STAFF if role != "finance"})
NO_VERIFICATION = {"administrator": 403, "administrator_a": 403}
VERIFICATION_READERS = staff_only(**NO_VERIFICATION)
FUND_READERS = staff_only(**{role: 403 for role in CASEWORKERS})
LOAN_FILERS = staff_only(**{role: 403 for role in STAFF if role not in CASEWORKERS})

# url name → cases. kwargs name the object by "person_attribute.field" (e.g. union_a.code).
TABLE: dict[str, list[Case]] = {
    "dashboard": [Case(expect=staff_only())],
    "org:union_list": [Case(expect=staff_only())],
    "org:union_detail": [
        Case(kwargs={"code": "union_a.code"}, expect=staff_only(caseworker_b=404)),
        Case(kwargs={"code": "union_b.code"}, expect=OTHER_FILE),
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
    # Without ?kind= the page is relief's, which redirects to relief's own form.
    "cases:application_for_household": [
        Case(
            kwargs={"household_pk": "household_a.pk"},
            data={"kind": "exit"},
            expect={**OWN_FILE, **EDIT_ONLY},
        ),
        Case(
            kwargs={"household_pk": "household_b.pk"},
            data={"kind": "exit"},
            expect={**OTHER_FILE, **EDIT_ONLY},
        ),
    ],
    # Relief applications under a programme (relief/views_applications.py): filed like any
    # application, scoped by the household. The fixture's application_a is a registration, so the
    # relief edit page is a 404 to those who may edit (scope: tests/test_relief_applications.py).
    **{
        name: [
            Case(kwargs={"household_pk": "household_a.pk"}, expect={**OWN_FILE, **EDIT_ONLY}),
            Case(kwargs={"household_pk": "household_b.pk"}, expect={**OTHER_FILE, **EDIT_ONLY}),
        ]
        for name in ("relief:application_file", "relief:application_preview")
    },
    "relief:application_edit": [
        Case(kwargs={"pk": "application_a.pk"}, expect={**NOT_THERE, **EDIT_ONLY}),
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
            ("cases:application_member_add", EDIT_ONLY),
        ]
    },
    # A registration's family and proof: application_a lists no member and no document yet.
    "cases:application_member_edit": [
        Case(
            kwargs={"pk": "application_a.pk", "index": "application_a.pk"},
            expect={**NOT_THERE, **EDIT_ONLY},
        ),
        Case(
            kwargs={"pk": "application_b.pk", "index": "application_b.pk"},
            expect={**NOT_THERE, **EDIT_ONLY},
        ),
    ],
    **{
        name: [
            Case(kwargs=kwargs_a, expect={**OWN_FILE, **POST_ONLY}),
            # Posting to another union's application is a 404; in scope the page reports why
            # nothing changed (no such member, no file) and goes back (302).
            Case(method="post", kwargs=kwargs_b, expect={**OTHER_FILE, **EDIT_ONLY}, default=302),
        ]
        for name, kwargs_a, kwargs_b in [
            (
                "cases:application_member_remove",
                {"pk": "application_a.pk", "index": "application_a.pk"},
                {"pk": "application_b.pk", "index": "application_b.pk"},
            ),
            (
                "cases:application_document_add",
                {"pk": "application_a.pk"},
                {"pk": "application_b.pk"},
            ),
        ]
    },
    "cases:application_document": [
        Case(kwargs={"pk": "application_a.pk", "document_pk": "application_a.pk"}, expect=NOT_THERE)
    ],
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
            Case(
                kwargs={"pk": "application_b.pk"}, expect={**SUPERVISOR_ONLY, "supervisor_a": 404}
            ),
        ]
        # Each is a page that shows what the decision rests on (or why it cannot be taken).
        for name in [
            "cases:application_review",
            "cases:application_return",
            "cases:application_reject",
            "cases:application_approve",
        ]
    },
    "cases:notice_list": [Case(expect=staff_only())],
    "cases:notice_create": [Case(expect=SUPERVISOR_ONLY)],
    **{
        name: [Case(kwargs={"pk": "notice_a.pk"}, expect=OWN_FILE)]
        for name in ["cases:notice_detail", "cases:notice_print", "cases:notice_pdf"]
    },
    # Confirmation pages (notice_a is posted: they show why they cannot be done).
    **{
        name: [Case(kwargs={"pk": "notice_a.pk"}, expect=SUPERVISOR_ONLY)]
        for name in ["cases:notice_publish", "cases:notice_approve_all"]
    },
    # notice_a is posted: a supervisor who opens its edit page is sent back to it (a record),
    # and a discard (POST only) is refused there and changes nothing.
    "cases:notice_edit": [
        Case(
            kwargs={"pk": "notice_a.pk"},
            expect={**SUPERVISOR_ONLY, "supervisor": 302, "supervisor_a": 302},
        )
    ],
    "cases:notice_discard": [
        Case(kwargs={"pk": "notice_a.pk"}, expect=staff_only(**SUPERVISOR_POST_ONLY)),
        Case(
            method="post",
            kwargs={"pk": "notice_a.pk"},
            expect={**SUPERVISOR_ONLY, "supervisor": 302, "supervisor_a": 302},
        ),
    ],
    # Campaigns and home delivery: every member of the staff reads campaigns; caseworkers and
    # supervisors prepare them and record deliveries. The fixture has no campaign, entitlement
    # or delivery: those who may look get a 404 (scope: tests/test_relief_campaigns.py).
    "relief:campaign_list": [Case(expect=staff_only())],
    "relief:campaign_create": [Case(expect=EDITORS)],
    **{
        name: [Case(kwargs=kwargs, expect={**NOT_THERE, **extra})]
        for name, kwargs, extra in [
            ("relief:campaign_detail", {"pk": "notice_a.pk"}, {}),
            ("relief:campaign_extend", {"pk": "notice_a.pk"}, EDIT_ONLY),
            ("relief:delivery_list", {"pk": "notice_a.pk", "code": "union_a.code"}, {}),
            ("relief:delivery_print", {"pk": "notice_a.pk", "code": "union_a.code"}, {}),
            ("relief:delivery_add", {"pk": "notice_a.pk"}, EDIT_ONLY),
            ("relief:delivery_photo", {"pk": "notice_a.pk"}, {}),
        ]
    },
    # Bank cards: caseworkers and finance record them (the household's scope: 404 outside it).
    # Bank sheets are finance's; the fixture has none (finance gets a 404). Verification is read
    # by supervisors, finance, auditors and caseworkers; supervisors draw; caseworkers and
    # supervisors answer. A GET on a POST-only action is 405 to those allowed.
    **{
        "relief:bank_account_add": [
            Case(kwargs={"pk": "household_a.pk"}, expect={**CARD_EDITORS, "caseworker_b": 404}),
            Case(kwargs={"pk": "household_b.pk"}, expect={**CARD_EDITORS, "caseworker_a": 404}),
        ],
        "relief:bank_account_retire": [
            Case(
                kwargs={"pk": "household_a.pk", "account_pk": "household_a.pk"},
                expect=staff_only(**({role: 403 for role in STAFF} | CARD_POST_ONLY)),
            )
        ],
        "relief:bank_sheet_list": [Case(expect=FINANCE_ONLY)],
        "relief:bank_sheet_create": [Case(expect=FINANCE_ONLY)],
        **{
            name: [Case(kwargs={"pk": "notice_a.pk"}, expect={**FINANCE_ONLY, "finance": 404})]
            for name in [
                "relief:bank_sheet_detail",
                "relief:bank_sheet_download",
                "relief:bank_sheet_summary",
            ]
        },
        "relief:bank_return_upload": [
            Case(kwargs={"pk": "notice_a.pk"}, expect={**FINANCE_ONLY, "finance": 405})
        ],
        "relief:sample_list": [Case(expect=VERIFICATION_READERS)],
        "relief:sample_draw": [Case(expect=SUPERVISOR_ONLY)],
        "relief:sample_detail": [
            Case(
                kwargs={"pk": "notice_a.pk"},
                expect={**VERIFICATION_READERS, **{r: 404 for r in STAFF}, **NO_VERIFICATION},
            )
        ],
        "relief:check_answer": [
            Case(
                kwargs={"pk": "notice_a.pk", "check_pk": "notice_a.pk"},
                expect=staff_only(
                    **{role: 405 if role in (*CASEWORKERS, *SUPERVISORS) else 403 for role in STAFF}
                ),
            )
        ],
    },
    # Reports (reports/views.py): the page is the whole staff's; each report names who may ask
    # for it, and a job is seen within the asker's scope (tests/test_reports_jobs.py). The
    # fixture has no job: those who may look get a 404.
    **{
        "reports:index": [Case(expect=staff_only())],
        "reports:request": [Case(expect=staff_only(**{role: 405 for role in STAFF}))],
        "reports:job_row": [Case(kwargs={"pk": "notice_a.pk"}, expect=NOT_THERE)],
        "reports:download": [Case(kwargs={"pk": "notice_a.pk"}, expect=NOT_THERE)],
        "reports:again": [
            Case(kwargs={"pk": "notice_a.pk"}, expect=staff_only(**{r: 405 for r in STAFF}))
        ],
    },
    # Finance (relief/views.py): every member of the staff reads the ledger (grassroots staff
    # their union's lines); finance pays, reverses and closes months; supervisors, auditors and
    # administrators read the funds and closed months. The fixture has no entitlement or line:
    # those who may look get a 404 (scope and auditors' POSTs: tests/test_relief_pages.py).
    **{
        "relief:index": [Case(expect=staff_only())],
        "relief:ledger": [Case(expect=staff_only())],
        # The export streams the lines the ledger shows (tests/test_relief_export.py: scope).
        "relief:ledger_export": [Case(expect=staff_only())],
        "relief:line": [Case(kwargs={"pk": "notice_a.pk"}, expect=NOT_THERE)],
        "relief:to_pay": [Case(expect=FINANCE_ONLY)],
        "relief:entitlements_backfill": [Case(expect={**FINANCE_ONLY, "finance": 405})],
        "relief:pay": [Case(kwargs={"pk": "notice_a.pk"}, expect={**FINANCE_ONLY, "finance": 404})],
        "relief:reverse_line": [
            Case(kwargs={"pk": "notice_a.pk"}, expect={**FINANCE_ONLY, "finance": 404}),
            Case(
                method="post",
                kwargs={"pk": "notice_a.pk"},
                expect={**FINANCE_ONLY, "finance": 404},
            ),
        ],
        "relief:funds": [Case(expect=FUND_READERS)],
        "relief:months": [
            Case(expect=FUND_READERS),
            # An empty form: finance sees what to correct; readers are refused (403).
            Case(method="post", expect={**FUND_READERS, **{r: 403 for r in STAFF}, "finance": 200}),
        ],
    },
    # Micro-loans (relief/views_loans.py): every member of the staff reads the portfolio and
    # the loans of their scope; caseworkers apply from a household's page (404 outside their
    # union) and edit a draft or returned loan application; finance pays out, records and
    # reverses repayments and pays the subsidy; finance or a supervisor proposes a write-off, a
    # supervisor approves or rejects it (POST only). The fixture has no loan: those who may look
    # get a 404 (scope: tests/test_loans_pages.py, tests/test_loans_changes.py).
    **{
        "relief:loan_portfolio": [Case(expect=staff_only())],
        "relief:loan_apply": [
            Case(
                kwargs={"household_pk": "household_a.pk"},
                expect={**LOAN_FILERS, "caseworker_b": 404},
            ),
            Case(
                kwargs={"household_pk": "household_b.pk"},
                expect={**LOAN_FILERS, "caseworker_a": 404},
            ),
        ],
        "relief:loan_detail": [Case(kwargs={"pk": "notice_a.pk"}, expect=NOT_THERE)],
        # A draft or returned loan application is edited by caseworkers (no loan: 404).
        "relief:loan_edit": [
            Case(
                kwargs={"pk": "notice_a.pk"},
                expect={**LOAN_FILERS, **{role: 404 for role in CASEWORKERS}},
            )
        ],
        **{
            name: [Case(kwargs={"pk": "notice_a.pk"}, expect={**FINANCE_ONLY, "finance": 404})]
            for name in ("relief:loan_disburse", "relief:loan_repay", "relief:loan_subsidy")
        },
        "relief:repayment_reverse": [
            Case(
                kwargs={"pk": "notice_a.pk", "repayment_pk": "notice_a.pk"},
                expect={**FINANCE_ONLY, "finance": 404},
            )
        ],
        "relief:write_off_propose": [
            Case(
                kwargs={"pk": "notice_a.pk"},
                expect=staff_only(
                    **{role: 404 if role in ("finance", *SUPERVISORS) else 403 for role in STAFF}
                ),
            )
        ],
        **{
            name: [
                Case(kwargs={"pk": "notice_a.pk"}, expect=staff_only(**SUPERVISOR_POST_ONLY)),
                Case(
                    method="post",
                    kwargs={"pk": "notice_a.pk"},
                    expect=staff_only(
                        **{role: 404 if role in SUPERVISORS else 403 for role in STAFF}
                    ),
                ),
            ]
            for name in ("relief:write_off_approve", "relief:write_off_reject")
        },
    },
    "cases:objection_record": [Case(kwargs={"pk": "notice_a.pk"}, expect=SUPERVISOR_ONLY)],
    # No objection in the fixture: the supervisor gets a 404, everyone else is refused first.
    "cases:objection_resolve": [
        Case(
            kwargs={"pk": "notice_a.pk", "objection_pk": "notice_a.pk"},
            expect={**SUPERVISOR_ONLY, "supervisor": 404, "supervisor_a": 404},
        )
    ],
}

# Django's admin: open to administrators only; everyone else is sent to log in (anonymous) or
# refused (staff without the role). County-wide settings are the county administrator's; a
# grassroots administrator (administrator_a) manages its own union's staff and is refused the
# rest. Admin URLs without arguments are requested below; those with arguments in ADMIN_TABLE.
ADMIN_EXPECT = {"anonymous": LOGIN, "administrator": 200}
ADMIN_DEFAULT = 403
ADMINS = {"anonymous": LOGIN, "administrator": 200, "administrator_a": 200}
ADMIN_EXCEPTIONS = {
    # The admin's login hands over to the product's one login page.
    "admin:login": {"anonymous": LOGIN, "administrator": 302, "administrator_a": 302},
    # Logging out is a POST: a GET is refused (405) to administrators and sent back to the
    # admin index (which refuses or asks to log in) for everyone else.
    "admin:logout": {
        role: 405 if role in ("administrator", "administrator_a") else 302 for role in ROLES
    },
    # Pages of the site itself, and the staff of the administrator's own union.
    **{
        name: ADMINS
        for name in [
            "admin:index",
            "admin:jsi18n",
            "admin:password_change",
            "admin:password_change_done",
            "admin:helpcenter_user_changelist",
            "admin:helpcenter_user_add",
        ]
    },
    # Autocomplete needs a model and field to answer; without them it is refused to everyone.
    "admin:autocomplete": {"anonymous": LOGIN},
    # The login log is written by axes only; nobody adds rows by hand.
    "admin:axes_accessattempt_add": {"anonymous": LOGIN},
    "admin:axes_accessfailurelog_add": {"anonymous": LOGIN},
    "admin:axes_accesslog_add": {"anonymous": LOGIN},
    # Programmes as data: an xlsx import is confirmed by a POST (a GET is 405 to the county
    # administrator, who alone may import; tests/test_relief_admin.py goes through it).
    **{
        f"admin:relief_{model}_process_import": {"anonymous": LOGIN, "administrator": 405}
        for model in ("programme", "tier", "goodsitem", "fund", "fundyear", "loanprogramme")
    },
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


# Admin pages of one object, for every role. kwargs name People attributes as in TABLE; the
# objects beyond the fixture's are made by `admin_objects`. A grassroots administrator is refused
# (403) every page of a county-wide model before any object is looked up; another union's staff
# member is not found (the admin redirects to its index, 302; the password page is a 404).
OWN_STAFF = ADMINS
OTHER_STAFF = {**ADMINS, "administrator_a": 302}
COUNTY_WIDE_OBJECTS = {
    "helpcenter_union": ["union_a", "union_b", "county"],
    "households_livingstandard": ["living_standard"],
    "households_classificationpolicy": ["policy"],
    "households_documenttype": ["document_type"],
    "cases_calendarday": ["calendar_day"],
    "relief_programme": ["programme"],
    "relief_tier": ["tier"],
    "relief_goodsitem": ["goods_item"],
    "relief_tiergoods": ["tier_goods"],
    "relief_fund": ["fund"],
    "relief_fundyear": ["fund_year"],
    "relief_budget": ["budget"],
    "relief_loanprogramme": ["loan_programme"],
    "axes_accessattempt": ["access_attempt"],
    "axes_accesslog": ["access_log"],
    "axes_accessfailurelog": ["failure_log"],
    "django_celery_beat_periodictask": ["periodic_task"],
    "django_celery_beat_crontabschedule": ["crontab"],
    "django_celery_beat_intervalschedule": ["interval"],
    "django_celery_beat_solarschedule": ["solar"],
    "django_celery_beat_clockedschedule": ["clocked"],
}
ADMIN_TABLE: dict[str, list[Case]] = {
    **{
        f"admin:{model}_{page}": [
            Case(kwargs={"object_id": f"{name}.pk"}, expect=ADMIN_EXPECT, default=403)
            for name in names
        ]
        for model, names in COUNTY_WIDE_OBJECTS.items()
        for page in ("change", "delete", "history")
    },
    **{
        f"admin:helpcenter_user_{page}": [
            Case(kwargs={"object_id": "caseworker_a.pk"}, expect=OWN_STAFF, default=403),
            Case(kwargs={"object_id": "caseworker_b.pk"}, expect=OTHER_STAFF, default=403),
            Case(kwargs={"object_id": "administrator.pk"}, expect=OTHER_STAFF, default=403),
        ]
        for page in ("change", "delete", "history")
    },
    "admin:auth_user_password_change": [
        Case(kwargs={"id": "caseworker_a.pk"}, expect=OWN_STAFF, default=403),
        Case(
            kwargs={"id": "caseworker_b.pk"}, expect={**ADMINS, "administrator_a": 404}, default=403
        ),
    ],
    "admin:app_list": [
        Case(kwargs={"app_label": "helpcenter_app.label"}, expect=ADMINS, default=403),
        # An app with no model the administrator may use is not found on its site.
        *[
            Case(
                kwargs={"app_label": f"{app}_app.label"},
                expect={**ADMIN_EXPECT, "administrator_a": 404},
                default=403,
            )
            for app in ("households", "cases", "relief", "axes", "django_celery_beat")
        ],
    ],
    # No model here has a page of its own on the site: "view on site" is a 404 to administrators.
    "admin:view_on_site": [
        Case(
            kwargs={"content_type_id": "union_type.pk", "object_id": "union_b.pk"},
            expect={"anonymous": LOGIN, "administrator": 404, "administrator_a": 404},
            default=403,
        )
    ],
}


def test_every_admin_url_with_arguments_is_in_the_admin_table():
    with_arguments = {
        name
        for name, pattern in all_url_names().items()
        if name.startswith("admin:") and name not in admin_urls_without_arguments()
    }
    assert with_arguments == set(ADMIN_TABLE)


class _App:
    def __init__(self, label: str):
        self.label = label


@pytest.fixture
def admin_objects(workflow):
    """One object of every model the admin site manages, beyond the workflow's people."""
    from datetime import date

    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone
    from django_celery_beat.models import (
        ClockedSchedule,
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
        SolarSchedule,
    )

    from cases.models import CalendarDay
    from helpcenter.models import Union
    from households.models import ClassificationPolicy, DocumentType, LivingStandard

    people = workflow
    people.living_standard = LivingStandard.objects.get(county=people.county)
    people.policy = ClassificationPolicy.objects.get(county=people.county)
    people.document_type = DocumentType.objects.first()
    people.calendar_day, _ = CalendarDay.objects.get_or_create(
        day=date(2031, 1, 1), defaults={"kind": "holiday", "name": "元旦"}
    )
    login = {"username": "admin", "user_agent": "test", "ip_address": "10.0.0.1"}
    people.access_attempt = AccessAttempt.objects.create(
        **login, get_data="", post_data="", failures_since_start=1
    )
    people.access_log = AccessLog.objects.create(**login)
    people.failure_log = AccessFailureLog.objects.create(**login)
    people.interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    people.crontab = CrontabSchedule.objects.create(minute="30", hour="0")
    people.solar = SolarSchedule.objects.create(event="sunrise", latitude=30, longitude=120)
    people.clocked = ClockedSchedule.objects.create(clocked_time=timezone.now())
    people.periodic_task = PeriodicTask.objects.create(
        name="admin table", task="helpcenter.tasks.nothing", interval=people.interval
    )
    people.union_type = ContentType.objects.get_for_model(Union)
    _relief_admin_objects(people)
    for app in ("helpcenter", "households", "cases", "relief", "axes", "django_celery_beat"):
        setattr(people, f"{app}_app", _App(app))
    return people


def _relief_admin_objects(people) -> None:
    """The programmes, tiers, goods and funds relief's migration seeds, a year of a fund and a
    loan programme."""
    from decimal import Decimal

    from relief.models import Budget, Fund, FundYear, GoodsItem, Programme, Tier, TierGoods
    from tests.loan_support import loan_programme

    people.programme = Programme.objects.get(code="medical")
    people.tier = Tier.objects.filter(programme=people.programme).first()
    people.goods_item = GoodsItem.objects.first()
    people.tier_goods = TierGoods.objects.first()
    people.fund = Fund.objects.get(code="union")
    people.fund_year, _ = FundYear.objects.get_or_create(
        fund=people.fund, year=2031, defaults={"amount": Decimal("100000.00")}
    )
    people.budget = Budget.objects.filter(programme=people.programme).first()
    people.loan_programme = loan_programme()


ADMIN_TABLE_ROWS = [
    (name, index, role)
    for name, cases in ADMIN_TABLE.items()
    for index in range(len(cases))
    for role in ROLES
]


@pytest.mark.parametrize(("name", "index", "role"), ADMIN_TABLE_ROWS)
def test_admin_object_url_role_outcome(client, admin_objects, name, index, role):
    people = admin_objects
    case = ADMIN_TABLE[name][index]
    url = reverse(name, kwargs=resolve_kwargs(people, case.kwargs))
    response = request_as(client, people, role, "get", url, {})
    if response.status_code == 302 and reverse("admin:login") in response["Location"]:
        response = client.get(response["Location"])  # the admin's login hop
    assert outcome(response) == case.expect.get(role, case.default), f"{role} GET {url}"
