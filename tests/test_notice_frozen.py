"""A posted notice is a record: its rows are frozen when it is posted (what was shown, to whom, for
how long), and the page, the print page, the PDF and the archive at close show that record, even
after an application on it is returned or rejected, or a family's file is edited. A draft can be
edited and discarded by a supervisor who may act on all of it; a registration's row says 建档 and
a notice without relief has no amount column; the new-notice form suggests a title and can
select all reviewed applications at once."""

import importlib
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.messages import constants
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.forms import suggested_title
from cases.models import (
    Application,
    ApplicationStep,
    Kind,
    Notice,
    NoticeRow,
    NoticeState,
    State,
)
from cases.printing import notice_pdf
from cases.services import CaseError, duties_done
from helpcenter.duties import Duty
from helpcenter.models import Role
from households.models import Member
from relief.applications import relief_application_update
from relief.models import Programme
from tests.factories import UserFactory, relief_application_for
from tests.test_cases_services import file_registration, through_review
from tests.test_notice_pdf import pdf_text as artifact_pdf_text  # keeps the PDF and its PNG

pytestmark = pytest.mark.django_db

ROW_FIELDS = ("position", "name", "union_name", "programme", "category", "amount", "masked_id")


# --- Building notices ---------------------------------------------------------------------------


def relief(people, household, filer, *, amount="800.00"):
    application = relief_application_for(household=household, filer=filer, amount=amount)
    services.application_submit(actor=filer, application=application)
    return services.application_review(actor=people.supervisor, application=application)


def draft(people, *applications, actor=None, union=None, show_masked_ids=False):
    return services.notice_create(
        actor=actor or people.supervisor,
        union=union or people.county,
        title="困难职工医疗救助公示",
        place="县总工会一楼公示栏",
        contact="帮扶中心 0311-1234567",
        start_on=timezone.localdate(),
        working_days=5,
        applications=list(applications),
        show_masked_ids=show_masked_ids,
    )


def post(people, notice):
    return services.notice_publish(actor=people.supervisor, notice=notice)


def frozen(notice) -> list[tuple]:
    return list(NoticeRow.objects.filter(notice=notice).values_list(*ROW_FIELDS))


def pdf_text(data: bytes, tmp_path, name: str = "notice") -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
    )
    return result.stdout.decode()


def page(client, user, name: str, notice) -> str:
    client.force_login(user)
    response = client.get(reverse(f"cases:{name}", args=[notice.pk]))
    assert response.status_code == 200
    return response.content.decode()


def close(notice) -> Notice:
    """The period passes (the notice is moved back in time) and the daily task closes it."""
    start = notice.start_on - timedelta(days=30)
    Notice.objects.filter(pk=notice.pk).update(
        start_on=start, end_on=services.notice_period_end(start=start, working_days=5)
    )
    assert services.notice_close(notice=notice)
    return Notice.objects.get(pk=notice.pk)


@pytest.fixture
def two_reliefs(registry):
    """Reviewed relief applications of union A (张三, 800) and union B (李四, 1000)."""
    registry.relief_a = relief(registry, registry.household_a, registry.caseworker_a)
    registry.relief_b = relief(
        registry, registry.household_b, registry.caseworker_b, amount="1000.00"
    )
    return registry


# --- Frozen at posting --------------------------------------------------------------------------


def test_posting_freezes_the_rows_the_page_showed(client, two_reliefs):
    people = two_reliefs
    notice = draft(people, people.relief_a, people.relief_b, show_masked_ids=True)
    client.force_login(people.supervisor)
    response = client.get(reverse("cases:notice_detail", args=[notice.pk]))
    shown = [tuple(getattr(line.row, f) for f in ROW_FIELDS) for line in response.context["lines"]]
    assert not NoticeRow.objects.exists()  # a draft is rendered from the current data

    notice = post(people, notice)

    number = people.household_a.head.id_number
    assert frozen(notice) == shown
    assert shown[0] == (
        1,
        "张三",
        "甲厂工会",
        "医疗救助",
        shown[0][4],
        Decimal("800.00"),
        f"{number[:6]}********{number[-4:]}",
    )
    assert [row[1] for row in shown] == ["张三", "李四"]
    assert notice.issuer_name == "测试县总工会"
    assert list(NoticeRow.objects.filter(notice=notice).values_list("application", flat=True)) == [
        people.relief_a.pk,
        people.relief_b.pk,
    ]


def test_a_returned_or_rejected_application_stays_on_the_posted_notice(
    client, two_reliefs, tmp_path
):
    people = two_reliefs
    notice = post(people, draft(people, people.relief_a, people.relief_b))
    services.application_return(
        actor=people.supervisor, application=people.relief_a, reason="收入证明不全，请补充"
    )
    services.application_reject(
        actor=people.supervisor, application=people.relief_b, reason="家庭收入超过标准"
    )
    assert Application.objects.get(pk=people.relief_a.pk).notice is None
    rows = [("张三", Decimal("800.00")), ("李四", Decimal("1000.00"))]
    assert [(row[1], row[5]) for row in frozen(notice)] == rows

    detail = page(client, people.supervisor, "notice_detail", notice)
    for text in ["张三", "李四", "800.00", "1000.00"]:
        assert text in detail
    # County staff see where each stands now, beside the record.
    assert str(State.RETURNED.label) in detail and str(State.REJECTED.label) in detail
    assert reverse("cases:application_detail", args=[people.relief_a.pk]) in detail
    printed = page(client, people.supervisor, "notice_print", notice)
    assert "张三" in printed and "800.00" in printed
    assert "张三" in pdf_text(notice_pdf(notice), tmp_path)

    # Union B's caseworker sees union A's row as the public saw it, without its application.
    other = page(client, people.caseworker_b, "notice_detail", notice)
    assert "张三" in other
    assert reverse("cases:application_detail", args=[people.relief_a.pk]) not in other
    assert str(State.RETURNED.label) not in other

    closed = close(notice)
    assert closed.state == NoticeState.CLOSED
    with closed.archived_pdf.open("rb") as archived:
        text = pdf_text(archived.read(), tmp_path, "archived")
    assert "张三" in text and "李四" in text and "800.00" in text


def test_later_edits_of_the_file_and_the_application_leave_the_posted_rows(client, two_reliefs):
    people = two_reliefs
    notice = post(people, draft(people, people.relief_a, people.relief_b))
    before = frozen(notice)
    services.application_return(
        actor=people.supervisor, application=people.relief_a, reason="金额需按标准调整"
    )
    relief_application_update(
        actor=people.caseworker_a,
        application=people.relief_a,
        reason="按标准调整金额",
        programme=Programme.objects.get(name="医疗救助"),
        cash_amount=Decimal("650.00"),
        medical_case="surgery",
        patient=people.household_a.head,
    )
    Member.objects.filter(pk=people.household_a.head_id).update(name="张三丰")
    Application.objects.filter(pk=people.relief_a.pk).update(applicant_name="张三丰")
    people.union_a.name = "甲厂新工会"
    people.union_a.save()

    assert frozen(notice) == before
    for name in ["notice_detail", "notice_print"]:
        text = page(client, people.supervisor, name, notice)
        assert "张三" in text and "800.00" in text and "甲厂工会" in text
        assert "张三丰" not in text and "650.00" not in text and "甲厂新工会" not in text


def test_a_posted_notice_is_never_changed_by_the_service(two_reliefs):
    people = two_reliefs
    notice = post(people, draft(people, people.relief_a))
    before = frozen(notice)
    with pytest.raises(CaseError):
        services.notice_update(
            actor=people.supervisor,
            notice=notice,
            title="改过的标题",
            place="别处",
            contact="别人",
            start_on=notice.start_on,
            working_days=5,
            applications=[people.relief_a, people.relief_b],
        )
    with pytest.raises(CaseError):
        services.notice_discard(actor=people.supervisor, notice=notice)
    notice.refresh_from_db()
    assert (notice.title, notice.place, notice.state) == (
        "困难职工医疗救助公示",
        "县总工会一楼公示栏",
        NoticeState.PUBLISHED,
    )
    assert frozen(notice) == before
    assert Application.objects.get(pk=people.relief_b.pk).notice is None


# --- Editing and discarding a draft -------------------------------------------------------------


def edit_data(notice, *applications, **overrides) -> dict:
    data = {
        "title": "关于困难职工医疗救助的公示（修改）",
        "place": "县总工会大厅公示栏",
        "contact": "帮扶中心 0311-7654321",
        "start_on": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "working_days": "7",
        "show_masked_ids": "on",
        "applications": [application.pk for application in applications],
    }
    return {**data, **overrides}


def test_the_county_supervisor_edits_a_draft(client, two_reliefs):
    people = two_reliefs
    notice = draft(people, people.relief_a)
    editor = UserFactory(username="supervisor_2", union=people.county, roles=[Role.SUPERVISOR])
    client.force_login(editor)
    form = client.get(reverse("cases:notice_edit", args=[notice.pk]))
    assert form.status_code == 200
    assert 'value="困难职工医疗救助公示"' in form.content.decode()

    response = client.post(
        reverse("cases:notice_edit", args=[notice.pk]), edit_data(notice, people.relief_b)
    )

    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.title, notice.place, notice.contact, notice.working_days) == (
        "关于困难职工医疗救助的公示（修改）",
        "县总工会大厅公示栏",
        "帮扶中心 0311-7654321",
        7,
    )
    assert notice.start_on == timezone.localdate() + timedelta(days=1)
    assert (notice.show_masked_ids, notice.state) == (True, NoticeState.DRAFT)
    taken_off = Application.objects.get(pk=people.relief_a.pk)
    put_on = Application.objects.get(pk=people.relief_b.pk)
    assert (taken_off.notice, taken_off.state) == (None, State.REVIEWED)
    assert (put_on.notice, put_on.state) == (notice, State.REVIEWED)
    step = taken_off.steps.last()
    assert (step.actor, step.from_state, step.to_state) == (editor, State.REVIEWED, State.REVIEWED)
    assert "困难职工医疗救助公示" in step.comment
    # Taking it off a draft is not a review: the editor may still approve it later.
    assert duties_done(taken_off)[Duty.REVIEW] == [people.supervisor.pk]


def test_the_county_supervisor_discards_a_draft(client, two_reliefs):
    people = two_reliefs
    notice = draft(people, people.relief_a, people.relief_b)
    client.force_login(people.supervisor)

    response = client.post(reverse("cases:notice_discard", args=[notice.pk]))

    assert response["Location"] == reverse("cases:notice_list")
    assert not Notice.objects.filter(pk=notice.pk).exists()
    for application in Application.objects.filter(pk__in=[people.relief_a.pk, people.relief_b.pk]):
        assert (application.notice, application.state) == (None, State.REVIEWED)
        step = application.steps.last()
        assert (step.actor, step.to_state) == (people.supervisor, State.REVIEWED)
        assert "困难职工医疗救助公示" in step.comment
    # Back in the pool: the next notice can list them.
    form = client.get(reverse("cases:notice_create")).content.decode()
    assert f'value="{people.relief_a.pk}"' in form and f'value="{people.relief_b.pk}"' in form


def test_editing_or_discarding_a_posted_notice_is_refused_and_changes_nothing(client, two_reliefs):
    people = two_reliefs
    notice = post(people, draft(people, people.relief_a))
    steps = ApplicationStep.objects.count()
    client.force_login(people.supervisor)

    opened = client.get(reverse("cases:notice_edit", args=[notice.pk]), follow=True)
    edited = client.post(
        reverse("cases:notice_edit", args=[notice.pk]), edit_data(notice, people.relief_b)
    )
    discarded = client.post(reverse("cases:notice_discard", args=[notice.pk]), follow=True)

    assert opened.redirect_chain[-1][0] == reverse("cases:notice_detail", args=[notice.pk])
    assert [m.level for m in opened.context["messages"]] == [constants.ERROR]
    assert edited.status_code == 200 and edited.context["form"].non_field_errors()
    assert [m.level for m in discarded.context["messages"]] == [constants.ERROR]
    notice.refresh_from_db()
    assert (notice.title, notice.state, notice.working_days) == (
        "困难职工医疗救助公示",
        NoticeState.PUBLISHED,
        5,
    )
    assert list(notice.applications.all()) == [people.relief_a]
    assert Application.objects.get(pk=people.relief_b.pk).notice is None
    assert ApplicationStep.objects.count() == steps


def test_a_grassroots_supervisor_may_not_edit_or_discard_a_spanning_draft(client, two_reliefs):
    people = two_reliefs
    notice = draft(people, people.relief_a, people.relief_b)
    client.force_login(people.supervisor_a)

    for response in [
        client.get(reverse("cases:notice_edit", args=[notice.pk])),
        client.post(
            reverse("cases:notice_edit", args=[notice.pk]), edit_data(notice, people.relief_a)
        ),
        client.post(reverse("cases:notice_discard", args=[notice.pk])),
    ]:
        assert response.status_code == 404  # a county draft is not theirs to see
    with pytest.raises(CaseError):
        services.notice_discard(actor=people.supervisor_a, notice=notice)
    with pytest.raises(CaseError):
        services.notice_update(
            actor=people.supervisor_a,
            notice=notice,
            title="改过的标题",
            place="别处",
            contact="别人",
            start_on=notice.start_on,
            working_days=5,
            applications=[people.relief_a],
        )
    notice.refresh_from_db()
    assert notice.title == "困难职工医疗救助公示"
    assert set(notice.applications.values_list("pk", flat=True)) == {
        people.relief_a.pk,
        people.relief_b.pk,
    }


def test_a_grassroots_supervisor_edits_their_own_unions_draft(client, two_reliefs):
    people = two_reliefs
    notice = draft(people, people.relief_a, actor=people.supervisor_a, union=people.union_a)
    client.force_login(people.supervisor_a)
    response = client.post(
        reverse("cases:notice_edit", args=[notice.pk]),
        edit_data(notice, people.relief_a, working_days="3"),
    )
    assert response.status_code == 302
    assert Notice.objects.get(pk=notice.pk).working_days == 3
    # Union B's reviewed application is not theirs to list.
    refused = client.post(
        reverse("cases:notice_edit", args=[notice.pk]),
        edit_data(notice, people.relief_a, people.relief_b),
    )
    assert refused.status_code == 200 and refused.context["form"].errors
    assert Application.objects.get(pk=people.relief_b.pk).notice is None


def test_a_caseworker_may_not_edit_or_discard_a_draft(client, two_reliefs):
    people = two_reliefs
    notice = draft(people, people.relief_a, actor=people.supervisor_a, union=people.union_a)
    client.force_login(people.caseworker_a)
    assert client.get(reverse("cases:notice_edit", args=[notice.pk])).status_code == 403
    edited = client.post(
        reverse("cases:notice_edit", args=[notice.pk]), edit_data(notice, people.relief_a)
    )
    discarded = client.post(reverse("cases:notice_discard", args=[notice.pk]))
    assert (edited.status_code, discarded.status_code) == (403, 403)
    with pytest.raises(CaseError):
        services.notice_discard(actor=people.caseworker_a, notice=notice)
    notice.refresh_from_db()
    assert (notice.title, notice.working_days) == ("困难职工医疗救助公示", 5)
    assert list(notice.applications.all()) == [people.relief_a]


# --- Registration rows --------------------------------------------------------------------------


def test_a_registration_row_says_jiandang_and_a_notice_without_relief_has_no_amount_column(
    client, registry
):
    registration = file_registration(registry)
    through_review(registry, registration)
    notice = post(registry, draft(registry, registration))
    assert frozen(notice)[0][3:6] == ("建档", frozen(notice)[0][4], None)

    for name in ["notice_detail", "notice_print"]:
        text = page(client, registry.supervisor, name, notice)
        assert "<td>建档</td>" in text
        assert "金额（元）" not in text
        assert "0.00" not in text
    text = artifact_pdf_text(notice_pdf(notice), "notice-registration")
    assert "建档" in text and "金额" not in text and "建档申请" not in text


def test_a_mixed_notice_leaves_the_registrations_amount_cell_empty(client, registry):
    registration = file_registration(registry)
    through_review(registry, registration)
    relief_b = relief(registry, registry.household_b, registry.caseworker_b, amount="1000.00")
    notice = post(registry, draft(registry, registration, relief_b))
    printed = page(client, registry.supervisor, "notice_print", notice)
    assert "金额（元）" in printed and "1,000.00" in printed
    assert '<td class="amount"></td>' in printed


# --- The new-notice form ------------------------------------------------------------------------


def test_the_title_is_suggested_from_the_month_and_the_kinds():
    with translation.override("zh-hans"):
        both = suggested_title(start_on=date(2026, 12, 1), kinds={Kind.RELIEF, Kind.REGISTRATION})
        three = suggested_title(
            start_on=date(2027, 1, 4), kinds=[Kind.EXIT, Kind.RELIEF, Kind.REGISTRATION]
        )
        one = suggested_title(start_on=date(2026, 3, 2), kinds={Kind.RELIEF})
    assert both == "关于2026年12月困难职工建档及帮扶申请的公示"
    assert three == "关于2027年1月困难职工建档、帮扶及脱困申请的公示"
    assert one == "关于2026年3月困难职工帮扶申请的公示"


def test_the_form_suggests_a_title_and_offers_select_all(client, two_reliefs):
    people = two_reliefs
    client.force_login(people.supervisor)
    form = client.get(reverse("cases:notice_create")).content.decode()
    today = timezone.localdate()
    assert f'value="关于{today.year}年{today.month}月困难职工帮扶申请的公示"' in form
    assert 'data-select-all="applications"' in form and "全选" in form
    assert 'src="/static/js/notice_form.js"' in form
    assert "<script>" not in form and " style=" not in form

    # A title left blank is the suggestion for what was chosen.
    response = client.post(
        reverse("cases:notice_create"),
        {
            "title": "",
            "place": "县总工会一楼公示栏",
            "contact": "帮扶中心 0311-1234567",
            "start_on": "2026-12-01",
            "working_days": "5",
            "applications": [people.relief_a.pk, people.relief_b.pk],
        },
    )
    assert response.status_code == 302
    assert Notice.objects.get().title == "关于2026年12月困难职工帮扶申请的公示"


# --- Notices posted before rows were kept -------------------------------------------------------


def test_the_migration_freezes_notices_posted_before_rows_were_kept(two_reliefs):
    people = two_reliefs
    posted = post(people, draft(people, people.relief_a, people.relief_b, show_masked_ids=True))
    left_draft = draft(people, relief(people, people.household_a, people.caseworker_a))
    expected = frozen(posted)
    NoticeRow.objects.all().delete()
    Notice.objects.filter(pk=posted.pk).update(issuer_name="")

    migration = importlib.import_module("cases.migrations.0004_freeze_posted_notices")
    migration.freeze(apps, None)
    migration.freeze(apps, None)  # safe to run twice

    assert frozen(posted) == expected
    assert Notice.objects.get(pk=posted.pk).issuer_name == "测试县总工会"
    assert not NoticeRow.objects.filter(notice=left_draft).exists()
