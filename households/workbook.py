"""Household spreadsheets: their columns, the words counties write in them, the import template,
and a tolerant reader.

Sheet names, headers and the words of choice columns are the spreadsheet's vocabulary: Chinese,
whatever the language of the page. `ALIASES` is the one place that maps the words found in real
county spreadsheets to values; the Chinese catalogue's labels of households.choices are accepted
as well. Cell parsers accept what real spreadsheets contain (full-width digits, stray spaces, a
lowercase x, IDs as text or numbers, dates as text or Excel dates, "1,000.00" and "1000元") and
raise `CellError` with a message that says what to do.
"""

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from households import resident_ids
from households.choices import (
    Category,
    Cause,
    Degree,
    Employment,
    Health,
    Housing,
    Relation,
    SchoolStage,
    Status,
)

HOUSEHOLD_SHEET = "户信息"
MEMBER_SHEET = "家庭成员"
INSTRUCTIONS_SHEET = "填写说明"
LISTS_SHEET = "选项"
SHEET_ALIASES = {
    "household": {HOUSEHOLD_SHEET, "户主信息", "家庭信息", "困难职工", "困难职工信息", "档案"},
    "member": {MEMBER_SHEET, "成员信息", "家庭成员信息", "成员"},
}
HEADER_SCAN_ROWS = 10  # a title (merged or not) and notes may stand above the header
TEMPLATE_ROWS = 5000  # drop-downs and text format reach this row of the template

# --- The words of choice columns -----------------------------------------------------------

# value → words, the first being the one the template and the export write.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "employment": {
        Employment.EMPLOYED: ("在岗", "在职", "在岗职工", "就业"),
        Employment.INTERNAL_RETIREMENT: ("内退", "内部退养", "内退职工"),
        Employment.LAID_OFF: ("待岗", "下岗", "待岗职工", "放长假"),
        Employment.RETIRED: ("离退休", "退休", "离休", "已退休"),
        Employment.UNEMPLOYED: ("失业", "失业人员", "无业"),
    },
    "housing": {
        Housing.OWN: ("自有住房", "自有", "自有房", "自有房屋", "自购房", "自建房", "商品房"),
        Housing.PUBLIC_RENTAL: ("廉租房", "公租房", "公共租赁住房", "廉租住房"),
        Housing.RENTED: ("租房", "租住", "租赁", "租房居住", "租住私房"),
        Housing.WITH_PARENTS: ("与父母同住", "随父母居住", "与父母居住", "借住父母家"),
    },
    "category": {
        Category.SUBSISTENCE: ("低保户", "低保", "城市低保", "享受低保"),
        Category.NEAR_SUBSISTENCE: ("低保边缘户", "低保边缘", "边缘户"),
        Category.ACCIDENT: ("意外致困户", "意外致困", "突发致困"),
        Category.NOT_ELIGIBLE: ("不符合困难条件", "不符合条件", "非困难"),
    },
    "degree": {
        Degree.SEVERE: ("特困", "深度困难", "特别困难"),
        Degree.SERIOUS: ("重困", "相对困难"),
        Degree.GENERAL: ("一般困难", "一般"),
    },
    "cause": {
        Cause.ILLNESS: ("因病", "疾病", "患病", "大病", "重病", "因病致困"),
        Cause.DISABILITY: ("因残", "残疾", "因残致困"),
        Cause.EDUCATION: ("因学", "子女上学", "上学", "就学", "因学致困"),
        Cause.SINGLE_PARENT: ("单亲", "单亲家庭", "离异"),
        Cause.ACCIDENT: ("意外灾害", "意外", "灾害", "意外事故", "自然灾害", "突发事件"),
        Cause.JOB_LOSS: ("失业下岗", "失业", "下岗", "待岗"),
        Cause.LOW_INCOME: ("低收入", "收入低", "工资低", "收入低微"),
        Cause.NO_LABOUR: ("缺乏劳动力", "无劳动力", "缺少劳动力", "丧失劳动能力"),
    },
    "relation": {
        Relation.SELF: ("户主本人", "本人", "户主", "职工本人"),
        Relation.SPOUSE: ("配偶", "妻子", "丈夫", "妻", "夫", "爱人", "老伴"),
        Relation.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女"),
        Relation.PARENT: ("父母", "父亲", "母亲", "父", "母", "岳父", "岳母", "公公", "婆婆"),
        Relation.SIBLING: ("兄弟姐妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄", "弟", "姐", "妹"),
        Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙", "外孙女"),
        Relation.OTHER: ("其他亲属", "其他", "儿媳", "女婿", "祖父母"),
    },
    "health": {
        Health.HEALTHY: ("健康", "良好", "正常", "身体健康"),
        Health.CHRONIC: ("慢性病", "患慢性病", "体弱多病"),
        Health.SERIOUS_ILLNESS: ("大病", "重病", "重大疾病", "患大病"),
        Health.DISABLED: ("残疾", "残障", "伤残"),
    },
    "school_stage": {
        SchoolStage.NONE: ("未在学", "无", "不在学", "未上学", "已毕业"),
        SchoolStage.PRESCHOOL: ("学前", "幼儿园", "学龄前"),
        SchoolStage.COMPULSORY: ("义务教育", "小学", "初中"),
        SchoolStage.HIGH_SCHOOL: ("高中", "普通高中"),
        SchoolStage.VOCATIONAL: ("中职", "职高", "中专", "技校", "职业高中"),
        SchoolStage.UNIVERSITY: ("大学", "大专", "本科", "专科", "研究生", "高职"),
    },
    "status": {
        Status.REGISTERED: ("已建档", "在册", "在档"),
        Status.EXITED: ("已脱困",),
        Status.REMOVED: ("已注销",),
    },
}
CHOICES = {
    "employment": Employment,
    "housing": Housing,
    "category": Category,
    "degree": Degree,
    "cause": Cause,
    "relation": Relation,
    "health": Health,
    "school_stage": SchoolStage,
    "status": Status,
}
YES = ("是", "Y", "YES", "TRUE", "1", "√", "✓", "✔", "有", "农民工", "对")
NO = ("否", "N", "NO", "FALSE", "0", "×", "✗", "✘", "无", "不是", "非")
DISABILITY_LEVELS = {"一": 1, "二": 2, "三": 3, "四": 4, "I": 1, "II": 2, "III": 3, "IV": 4}
CAUSE_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


def words(vocabulary: str) -> list[str]:
    """The words a template offers in a drop-down, in the order of the choices."""
    return [ALIASES[vocabulary][value][0] for value in CHOICES[vocabulary].values]


def word(vocabulary: str, value: str) -> str:
    """The spreadsheet word of a stored value (an unknown or empty value as it is)."""
    aliases = ALIASES[vocabulary].get(value)
    return aliases[0] if aliases else (value or "")


@cache
def _lookup(vocabulary: str) -> dict[str, str]:
    """Normalised word → value: the aliases, the Chinese and English labels, the values."""
    choices = CHOICES[vocabulary]
    table: dict[str, str] = {}
    for value, label in choices.choices:
        table[_key(value)] = value
        table[_key(str(label))] = value
        with translation.override("zh-hans"):
            table[_key(str(label))] = value
    for value, aliases in ALIASES[vocabulary].items():
        for alias in aliases:
            table[_key(alias)] = value
    table.pop("", None)
    return table


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()


# --- The columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    aliases: tuple[str, ...] = ()
    kind: str = (
        "text"  # text, name, id, phone, money, count, bool, choice, causes, date, level, union
    )
    vocabulary: str = ""
    required: bool = False  # on every row; others may be required for a new file only
    width: int = 14
    hint: Promise | str = ""


HOUSEHOLD_COLUMNS = [
    Column(
        "file_number",
        "档案编号",
        ("档案号", "编号", "档案编码", "建档编号"),
        width=18,
        hint=gettext_lazy(
            "Leave blank for a new file: the system numbers it. "
            "Fill it in to update an existing file."
        ),
    ),
    Column("name", "姓名", ("户主姓名", "职工姓名", "户主"), "name", required=True, width=10),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "户主身份证号码", "证件号码"),
        "id",
        required=True,
        width=22,
        hint=gettext_lazy(
            "18-character resident ID. Keep the column formatted as text so that Excel keeps "
            "every digit."
        ),
    ),
    Column(
        "phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式"), "phone", width=14
    ),
    Column("work_unit", "工作单位", ("单位", "所在单位", "工作单位名称", "单位名称"), width=20),
    Column(
        "union",
        "所属工会",
        ("工会", "基层工会", "工会名称", "所在工会", "所属基层工会"),
        "union",
        width=16,
        hint=gettext_lazy(
            "Code or name of the grassroots union. Blank: the union chosen for the import."
        ),
    ),
    Column(
        "employment",
        "就业状况",
        ("就业状态", "职工状态", "工作状况", "就业情况"),
        "choice",
        "employment",
    ),
    Column("is_migrant_worker", "是否农民工", ("农民工",), "bool", width=10),
    Column(
        "size",
        "家庭人口",
        ("家庭人口数", "家庭人数", "人口数", "家庭成员数", "人口"),
        "count",
        width=10,
        hint=gettext_lazy(
            "People in the household, the worker included. Blank: the number of people listed."
        ),
    ),
    Column(
        "monthly_income",
        "家庭月总收入",
        ("家庭月收入", "月总收入", "家庭总收入", "家庭月均收入", "月收入"),
        "money",
        width=14,
        hint=gettext_lazy("The household's total monthly income in yuan, e.g. 2500 or 2,500.00."),
    ),
    Column(
        "receives_subsistence_allowance",
        "享受低保",
        ("是否享受低保", "是否低保", "领取低保"),
        "bool",
        width=10,
    ),
    Column(
        "housing", "住房情况", ("住房", "住房状况", "居住情况", "住房类型"), "choice", "housing"
    ),
    Column(
        "category",
        "困难类别",
        ("类别", "困难类型", "困难户类别"),
        "choice",
        "category",
        hint=gettext_lazy(
            "Optional. A new file keeps it as its category until the means test confirms one; "
            "the import does not change the category of an existing file."
        ),
    ),
    Column(
        "causes",
        "致困原因",
        ("困难原因", "致贫原因", "主要致困原因"),
        "causes",
        "cause",
        width=18,
        hint=gettext_lazy("One or more, separated by 、 or a comma."),
    ),
    Column("responsible", "帮扶责任人", ("责任人", "帮扶人", "结对帮扶人"), width=12),
    Column("contact", "联系人", (), width=12),
    Column("family_situation", "家庭状况", ("家庭情况", "家庭基本情况"), width=30),
    Column("hardship_cause_notes", "致困原因说明", ("致困情况", "困难情况说明"), width=30),
    Column("skills", "技术特长", ("特长", "技能", "专业特长"), width=16),
    Column("employment_wishes", "就业要求", ("就业意愿", "就业需求"), width=16),
    Column("state_of_mind", "思想状况", ("思想状态", "思想情况"), width=16),
    Column("notes", "备注", ("说明",), width=20),
    Column(
        "registered_on",
        "建档日期",
        ("建档时间", "登记日期", "建档年月"),
        "date",
        width=12,
        hint=gettext_lazy("For a new file, e.g. 2024-03-15. Blank: today."),
    ),
]

MEMBER_COLUMNS = [
    Column(
        "head_id_number",
        "户主身份证号",
        ("户主身份证号码", "户主身份证", "户主证件号码"),
        "id",
        required=True,
        width=22,
        hint=gettext_lazy(
            "The head's resident ID as in 户信息 (or of a file already registered): it links "
            "the member to the household."
        ),
    ),
    Column("name", "姓名", ("成员姓名",), "name", required=True, width=10),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "成员身份证号", "证件号码"),
        "id",
        required=True,
        width=22,
    ),
    Column(
        "relation",
        "与户主关系",
        ("关系", "与户主的关系", "家庭关系", "称谓"),
        "choice",
        "relation",
        hint=gettext_lazy(
            "A row for the head (户主本人) is optional: it only adds the head's health, "
            "school or income."
        ),
    ),
    Column("health", "健康状况", ("健康情况", "身体状况", "健康"), "choice", "health"),
    Column(
        "disability_level",
        "残疾等级",
        ("残疾级别", "残疾证等级"),
        "level",
        width=10,
        hint=gettext_lazy("一级 to 四级 (or 1 to 4), for a disabled member only."),
    ),
    Column(
        "school_stage",
        "就学阶段",
        ("就学情况", "在读阶段", "学段", "就读阶段"),
        "choice",
        "school_stage",
    ),
    Column("school", "就读学校", ("学校", "学校名称"), width=20),
    Column("employment", "就业情况", ("就业状况", "工作情况", "职业"), width=16),
    Column(
        "monthly_income",
        "月收入",
        ("个人月收入", "月收入(元)"),
        "money",
        width=12,
        hint=gettext_lazy("Monthly income in yuan; blank means 0."),
    ),
]

COLUMNS = {"household": HOUSEHOLD_COLUMNS, "member": MEMBER_COLUMNS}
NEW_FILE_REQUIRED = ("employment", "monthly_income", "housing")  # household sheet, new files
SHEET_NAMES = {"household": HOUSEHOLD_SHEET, "member": MEMBER_SHEET}


def _header_key(text: object) -> str:
    """A header cell as compared: NFKC, no spaces or required-marks, no "(元)" suffix."""
    key = unicodedata.normalize("NFKC", str(text or ""))
    key = re.sub(r"[\s*※]+", "", key)
    return re.sub(r"\(.*\)$", "", key)


@cache
def _header_lookup(kind: str) -> dict[str, str]:
    table = {}
    for column in COLUMNS[kind]:
        for name in (*column.aliases, column.header):
            table[_header_key(name)] = column.key
    return table


# --- Cell parsers ---------------------------------------------------------------------------


class CellError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.strftime("%Y-%m-%d")
    return str(value).strip() if value is not None else ""


def parse_name(value: object) -> str:
    text = parse_text(value)
    if re.search(r"[\u4e00-\u9fff]", text):
        return re.sub(r"\s+", "", text)  # 张  三: spaces put in to align columns
    return re.sub(r"\s+", " ", text)


def parse_phone(value: object) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", parse_text(value)))


def parse_resident_id(value: object) -> str:
    """The cleaned 18-character number, or the reason in the words of resident_ids."""
    if isinstance(value, bool):
        raise CellError(_("The resident ID is missing."))
    if isinstance(value, int) and len(str(value)) > 15:
        # Excel keeps 15 significant digits: the last ones of this number are already lost.
        value = float(value)
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, str):
        value = value.strip().lstrip("'‘’`")
    try:
        return resident_ids.clean(value)
    except resident_ids.InvalidResidentId as error:
        raise CellError(error.message) from None


def is_masked_id(value: object) -> bool:
    return isinstance(value, str) and "*" in value


def parse_money(value: object) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_money_message(value))
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = unicodedata.normalize("NFKC", str(value))
        text = re.sub(r"[\s,，¥￥]|元$|RMB|人民币", "", text.replace("元整", "元"))
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(_money_message(value)) from None
    if not amount.is_finite():
        raise CellError(_money_message(value))
    if amount < 0:
        raise CellError(_("An amount cannot be negative."))
    if amount >= MAX_AMOUNT:
        raise CellError(_money_message(value))
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


MAX_AMOUNT = Decimal("1e10")  # the money columns hold 12 digits, 2 after the point


def _money_message(value: object) -> str:
    return _("Write an amount such as 1000 or 1,000.00; “%(value)s” is not an amount.") % {
        "value": value
    }


CHINESE_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7}
CHINESE_NUMBERS |= {"八": 8, "九": 9, "十": 10}


def parse_count(value: object) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = re.sub(r"\s+|[人口名]+$", "", unicodedata.normalize("NFKC", str(value)))
    if text.isdigit():
        return int(text)
    if text in CHINESE_NUMBERS:
        return CHINESE_NUMBERS[text]
    raise CellError(_("Write a whole number such as 3; “%(value)s” is not one.") % {"value": value})


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    key = _key(str(value))
    if key in YES:
        return True
    if key in NO:
        return False
    raise CellError(_("Write 是 or 否; “%(value)s” is neither.") % {"value": value})


def parse_choice(value: object, vocabulary: str) -> str:
    key = _key(parse_text(value))
    table = _lookup(vocabulary)
    if key in table:
        return table[key]
    raise CellError(
        _("Write one of: %(allowed)s; “%(value)s” is not one of them.")
        % {"allowed": "、".join(word for word in words(vocabulary) if word), "value": value}
    )


def parse_causes(value: object) -> list[str]:
    causes: list[str] = []
    for part in CAUSE_SEPARATORS.split(unicodedata.normalize("NFKC", parse_text(value))):
        if part:
            cause = parse_choice(part, "cause")
            if cause not in causes:
                causes.append(cause)
    return causes


def parse_level(value: object) -> int:
    """A disability certificate level, 1 to 4: 一级, 2级, 3, IV."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s级]|^残疾", "", unicodedata.normalize("NFKC", str(value))).upper()
    level = int(text) if text.isdigit() else DISABILITY_LEVELS.get(text)
    if level not in (1, 2, 3, 4):
        raise CellError(
            _("Write a disability level from 1 to 4 (一级 to 四级); “%(value)s” is not one.")
            % {"value": value}
        )
    return level


EXCEL_EPOCH = date(1899, 12, 30)
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 100000:
        day = EXCEL_EPOCH + timedelta(days=int(value))  # an Excel serial date in a General cell
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        day = _date_from_text(re.sub(r"\s+\d{1,2}:\d{2}(:\d{2})?$", "", text), value)
    if day > timezone.localdate():
        raise CellError(_("The date %(date)s is in the future; check it.") % {"date": day})
    return day


def _date_from_text(text: str, value: object) -> date:
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = DATE_PATTERN.match(text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:
        pass
    raise CellError(
        _("Write a date such as 2024-03-15; “%(value)s” is not a date.") % {"value": value}
    )


PARSERS = {
    "text": parse_text,
    "name": parse_name,
    "phone": parse_phone,
    "id": parse_resident_id,
    "money": parse_money,
    "count": parse_count,
    "bool": parse_bool,
    "causes": parse_causes,
    "level": parse_level,
    "date": parse_date,
    "union": parse_text,
}


def parse_cell(column: Column, value: object) -> object:
    if column.kind == "choice":
        return parse_choice(value, column.vocabulary)
    return PARSERS[column.kind](value)


# --- Reading a workbook ----------------------------------------------------------------------


@dataclass
class Sheet:
    """One data sheet of an uploaded workbook: where its header is and its data rows."""

    kind: str  # household or member
    title: str  # the sheet's name in the file
    header_row: int
    positions: dict[str, int]  # column key → index in the row
    headers: dict[str, str]  # column key → the header as written
    unknown: list[str] = field(default_factory=list)
    rows: list[tuple[int, tuple]] = field(default_factory=list)  # (row as Excel shows it, values)

    def has(self, key: str) -> bool:
        return key in self.positions

    def get(self, values: tuple, key: str) -> object:
        position = self.positions.get(key)
        if position is None or position >= len(values):
            return None
        return values[position]

    def header(self, key: str) -> str:
        """The column as the file names it (the template's header if the column is absent)."""
        return self.headers.get(key) or next(c.header for c in COLUMNS[self.kind] if c.key == key)


@dataclass
class SheetProblem:
    sheet: str
    message: str


@dataclass
class ReadResult:
    household: Sheet | None = None
    member: Sheet | None = None
    problems: list[SheetProblem] = field(default_factory=list)


def _unreadable() -> str:
    return _(
        "The file cannot be read as an Excel workbook (.xlsx). Save it in Excel as "
        "“Excel Workbook (*.xlsx)” and upload it again."
    )


def archive_problem(source) -> str:
    """Why the workbook is refused before any of it is parsed ("" when it may be read).

    An .xlsx is a zip archive: a 2 MB upload can expand to gigabytes of XML. Its members'
    uncompressed sizes are in the archive's directory, and Python's zipfile never inflates a
    member past its stated size, so the sum is a safe bound on what parsing would read."""
    limit = settings.IMPORT_MAX_UNCOMPRESSED_MB
    try:
        with zipfile.ZipFile(source) as archive:
            size = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return _unreadable()
    finally:
        if hasattr(source, "seek"):
            source.seek(0)
    if size > limit * 1024 * 1024:
        return _(
            "The workbook holds %(size)d MB of data once unpacked; the import reads at most "
            "%(limit)d MB. Split it into several workbooks (for example one per union) and "
            "import them one after another."
        ) % {"size": size // (1024 * 1024), "limit": limit}
    return ""


class TooManyRows(Exception):
    def __init__(self, title: str, limit: int):
        super().__init__(title)
        self.problem = SheetProblem(
            title,
            _(
                "The sheet has more than %(limit)d rows; the import reads at most %(limit)d. "
                "Split the workbook into several (for example one per union) and import them "
                "one after another."
            )
            % {"limit": limit},
        )


def row_limit(kind: str) -> int:
    """The most data rows a household or member sheet may have (settings, one place)."""
    if kind == "member":
        return settings.IMPORT_MAX_MEMBER_ROWS
    return settings.IMPORT_MAX_HOUSEHOLD_ROWS


def read_workbook(source) -> ReadResult:
    """The household and member sheets of an .xlsx file (a path or a binary file object).
    A workbook past the limits (archive_problem, row_limit) is refused without reading on."""
    problem = archive_problem(source)
    if problem:
        return ReadResult(problems=[SheetProblem("", problem)])
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors all mean: not a readable .xlsx
        return ReadResult(problems=[SheetProblem("", _unreadable())])
    try:
        found = [
            (worksheet.title, _read_sheet(worksheet))
            for worksheet in book.worksheets
            if _header_key(worksheet.title) not in {INSTRUCTIONS_SHEET, LISTS_SHEET}
        ]
    except TooManyRows as refusal:
        return ReadResult(problems=[refusal.problem])
    except Exception:  # a sheet's XML is damaged: the same answer as an unreadable file
        return ReadResult(problems=[SheetProblem("", _unreadable())])
    finally:
        book.close()
    result = ReadResult()
    for kind in ("household", "member"):
        expected = SHEET_ALIASES[kind]
        candidates = [sheet for _title, sheet in found if sheet and sheet.kind == kind]
        candidates.sort(key=lambda sheet: _header_key(sheet.title) not in expected)
        if candidates:
            setattr(result, kind, candidates[0])
            continue
        for title, sheet in found:
            if sheet is None and _header_key(title) in expected:
                result.problems.append(_missing_header_problem(title, kind))
                break
    if result.household is None and not result.problems:
        message = _(
            "No sheet has the household columns (姓名 and 身份证号). Use the import template, "
            "or name the sheet 户信息."
        )
        result.problems.append(SheetProblem(HOUSEHOLD_SHEET, message))
    return result


def _missing_header_problem(title: str, kind: str) -> SheetProblem:
    required = [column.header for column in COLUMNS[kind] if column.required]
    return SheetProblem(
        title,
        _(
            "The header row was not found: the columns %(columns)s are not in one of the first "
            "%(rows)d rows. Put the template's column titles in one row above the data."
        )
        % {"columns": "、".join(f"「{name}」" for name in required), "rows": HEADER_SCAN_ROWS},
    )


def _read_sheet(worksheet) -> Sheet | None:
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # some writers record A1 as the used range
    rows = worksheet.iter_rows(values_only=True)
    sheet = None
    for number, values in enumerate(rows, start=1):
        sheet = _header(worksheet.title, number, values)
        if sheet or number >= HEADER_SCAN_ROWS:
            break
    if sheet is None:
        return None
    limit = row_limit(sheet.kind)
    for number, values in enumerate(rows, start=sheet.header_row + 1):
        if any(not is_blank(value) for value in values):
            if len(sheet.rows) >= limit:
                raise TooManyRows(worksheet.title, limit)  # refused while streaming, not after
            sheet.rows.append((number, values))
    return sheet


def _header(title: str, number: int, values: tuple) -> Sheet | None:
    keys = [_header_key(value) for value in values]
    for kind in ("member", "household"):
        lookup = _header_lookup(kind)
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        for position, key in enumerate(keys):
            column = lookup.get(key)
            if column and column not in positions:
                positions[column] = position
                headers[column] = str(values[position]).strip()
        required = {column.key for column in COLUMNS[kind] if column.required}
        if required <= positions.keys():
            unknown = [
                str(value).strip()
                for position, value in enumerate(values)
                if not is_blank(value) and position not in positions.values()
            ]
            return Sheet(kind, title, number, positions, headers, unknown)
    return None


# --- The template -----------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
REQUIRED_FONT = Font(bold=True, color="9C0006")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE_HOUSEHOLD = {
    "name": "张伟",
    "id_number": "11010519491231002X",
    "phone": "13800138000",
    "work_unit": "县纺织厂",
    "employment": "待岗",
    "is_migrant_worker": "否",
    "size": 3,
    "monthly_income": "1,800.00",
    "receives_subsistence_allowance": "否",
    "housing": "租房",
    "category": "低保边缘户",
    "causes": "因病、因学",
    "responsible": "李明",
    "family_situation": "妻子患慢性病，女儿读高中",
}
EXAMPLE_MEMBER = {
    "head_id_number": "11010519491231002X",
    "name": "王芳",
    "id_number": "110105195203150021",
    "relation": "配偶",
    "health": "慢性病",
    "school_stage": "未在学",
    "employment": "无业",
    "monthly_income": "0",
}
TEMPLATE_NOTES = [
    gettext_lazy(
        "One row per household in 户信息 and one row per other family member in 家庭成员; "
        "户主身份证号 links a member to the household."
    ),
    gettext_lazy(
        "Nothing is saved while any row has an error: the preview lists every error with its "
        "sheet, row and column."
    ),
    gettext_lazy(
        "Importing the same file again updates the files it matches (by 档案编号, else by the "
        "head's resident ID) and never creates duplicates. An empty cell leaves the stored value "
        "as it is; the import never deletes a file or a member."
    ),
    gettext_lazy(
        "Full-width digits, spaces, a lowercase x, dates as text and amounts such as 1,000.00 "
        "or 1000元 are accepted. Rows without a name and an ID are skipped."
    ),
    gettext_lazy(
        "Type resident IDs into cells formatted as text. An ID that Excel shows as 1.10105E+17 "
        "has lost its last digits and must be typed again."
    ),
]


def build_template(*, unions: Iterable) -> bytes:
    """The import template: the two data sheets with drop-downs, and the instructions."""
    book = Workbook()
    households = book.active
    households.title = HOUSEHOLD_SHEET
    members = book.create_sheet(MEMBER_SHEET)
    instructions = book.create_sheet(INSTRUCTIONS_SHEET)
    lists = book.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    union_names = [union.name for union in unions]
    ranges = _write_lists(lists, union_names)
    for worksheet, columns in ((households, HOUSEHOLD_COLUMNS), (members, MEMBER_COLUMNS)):
        _write_data_sheet(worksheet, columns, ranges)
    _write_instructions(instructions, union_names)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _write_lists(worksheet, union_names: list[str]) -> dict[str, str]:
    """Each vocabulary in a column of the hidden list sheet; returns vocabulary → range."""
    used = {column.vocabulary for kind in COLUMNS for column in COLUMNS[kind] if column.vocabulary}
    vocabularies = {name: [w for w in words(name) if w] for name in sorted(used)}
    vocabularies["union"] = union_names
    vocabularies["bool"] = [YES[0], NO[0]]
    vocabularies["level"] = ["一级", "二级", "三级", "四级"]
    # Each list headed in Chinese by the column it serves (yes/no serves several).
    headers = {"bool": f"{YES[0]}/{NO[0]}"}
    for kind in COLUMNS:
        for column in COLUMNS[kind]:
            source = {"choice": column.vocabulary, "causes": "cause"}.get(column.kind, column.kind)
            headers.setdefault(source, column.header)
    ranges = {}
    for index, (name, values) in enumerate(vocabularies.items(), start=1):
        letter = get_column_letter(index)
        worksheet.cell(row=1, column=index, value=headers.get(name, name))
        for row, value in enumerate(values, start=2):
            worksheet.cell(row=row, column=index, value=value)
        if values:
            ranges[name] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _write_data_sheet(worksheet, columns: list[Column], ranges: dict[str, str]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = worksheet.cell(row=1, column=index, value=column.header)
        cell.font = REQUIRED_FONT if column.required else HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(index)
        dimension = worksheet.column_dimensions[letter]
        dimension.width = column.width
        area = f"{letter}2:{letter}{TEMPLATE_ROWS}"
        if column.kind in ("id", "phone") or column.key == "file_number":
            dimension.number_format = "@"  # the column's style: what is typed stays text
        if column.kind == "date":
            dimension.number_format = "yyyy-mm-dd"
        source = {"choice": column.vocabulary, "causes": "cause"}.get(column.kind, column.kind)
        if source in ranges:
            validation = DataValidation(
                type="list", formula1=ranges[source], allow_blank=True, showErrorMessage=True
            )
            validation.error = _("Choose a value from the list.")
            validation.errorTitle = column.header
            if column.kind == "causes":  # several causes are typed, separated by 、
                validation.showErrorMessage = False
                validation.showInputMessage = True
                validation.prompt = str(column.hint)
                validation.promptTitle = column.header
            elif column.kind == "union":  # a code is accepted as well as the name
                validation.errorStyle = "warning"
            worksheet.add_data_validation(validation)
            validation.add(area)
        elif column.kind in ("money", "count"):
            validation = DataValidation(
                type="decimal" if column.kind == "money" else "whole",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                errorStyle="warning",
            )
            validation.error = _("Write a number that is 0 or more.")
            validation.errorTitle = column.header
            worksheet.add_data_validation(validation)
            validation.add(area)
    worksheet.freeze_panes = "A2"
    worksheet.row_dimensions[1].height = 30


def _write_instructions(worksheet, union_names: list[str]) -> None:
    worksheet.column_dimensions["A"].width = 12
    worksheet.column_dimensions["B"].width = 16
    worksheet.column_dimensions["C"].width = 12
    worksheet.column_dimensions["D"].width = 70
    worksheet.append([_("How to fill in the import template")])
    worksheet["A1"].font = Font(bold=True, size=14)
    for number, note in enumerate(TEMPLATE_NOTES, start=1):
        worksheet.append([f"{number}.", str(note)])
        worksheet.merge_cells(
            start_row=worksheet.max_row, start_column=2, end_row=worksheet.max_row, end_column=4
        )
    worksheet.append([])
    worksheet.append([_("Sheet"), _("Column"), _("Required"), _("What to write")])
    for cell in worksheet[worksheet.max_row]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for kind, columns in COLUMNS.items():
        for column in columns:
            worksheet.append(
                [
                    SHEET_NAMES[kind],
                    column.header,
                    _required_text(kind, column),
                    _column_text(column, union_names),
                ]
            )
            worksheet.cell(row=worksheet.max_row, column=4).alignment = Alignment(wrap_text=True)
    for kind, example in (("household", EXAMPLE_HOUSEHOLD), ("member", EXAMPLE_MEMBER)):
        worksheet.append([])
        worksheet.append([_("Example of a row in %(sheet)s") % {"sheet": SHEET_NAMES[kind]}])
        worksheet.cell(row=worksheet.max_row, column=1).font = HEADER_FONT
        if kind == "household" and union_names:
            example = {**example, "union": union_names[0]}
        for column in COLUMNS[kind]:
            if column.key in example:
                worksheet.append(["", column.header, "", example[column.key]])


def _required_text(kind: str, column: Column) -> str:
    if column.required:
        return _("Yes")
    if kind == "household" and column.key in NEW_FILE_REQUIRED:
        return _("For a new file")
    if kind == "member" and column.key == "relation":
        return _("For a new member")
    return ""


def _column_text(column: Column, union_names: list[str]) -> str:
    parts = [str(column.hint)] if column.hint else []
    if column.kind in ("choice", "causes"):
        allowed = "、".join(w for w in words(column.vocabulary) if w)
        parts.append(_("Allowed: %(allowed)s.") % {"allowed": allowed})
    elif column.kind == "bool":
        parts.append(_("是 or 否; blank means 否."))
    elif column.kind == "union" and union_names:
        parts.append(_("Allowed: %(allowed)s.") % {"allowed": "、".join(union_names[:30])})
    return " ".join(parts)
