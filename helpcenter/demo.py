"""Deterministic demo people: Chinese names and resident IDs with valid checksums.

Used by `seed_demo` and by the test factories. The same seed gives the same people.
"""

import random
from datetime import date, timedelta

from stdnum.cn import ric

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN_CHARACTERS = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国文斌宇浩凯鹏飞玉兰红梅海燕志强春梅晓东国庆桂芝淑珍德胜喆堃淼犇鑫垚翀昇"  # noqa: E501
# Area codes of real county-level divisions. The app accepts a code in force at any time since
# the holder's birth (an ID is issued after birth: households.resident_ids); the demo's people
# carry one in force in their birth year, as most people do, so a combination that
# `stdnum.cn.ric` refuses (it checks exactly that) is drawn again — which also keeps the people
# of a seed what they were. Older workers with a younger code are in tests/test_resident_ids.py.
AREA_CODES = ["110105", "130102", "130104", "130924", "371402", "410102", "510104", "510122"]


class DemoPeople:
    def __init__(self, seed: int):
        self.random = random.Random(seed)  # noqa: S311  (deterministic demo data, not secrets)
        self.used_ids: set[str] = set()

    def name(self) -> str:
        surname = self.random.choice(SURNAMES)
        length = self.random.choice((1, 2, 2))
        return surname + "".join(self.random.choice(GIVEN_CHARACTERS) for _ in range(length))

    def resident_id(
        self, *, born_between: tuple[date, date] = (date(1960, 1, 1), date(2005, 12, 31))
    ) -> str:
        """A unique 18-digit resident ID with a valid GB 11643 check digit."""
        first, last = born_between
        if not date(1900, 1, 1) <= first <= last <= date.today():
            raise ValueError(f"born between {first} and {last}: the app accepts 1900 to today")
        while True:
            birth = first + timedelta(days=self.random.randrange((last - first).days + 1))
            sequence = f"{self.random.randrange(1000):03d}"
            body = f"{self.random.choice(AREA_CODES)}{birth:%Y%m%d}{sequence}"
            number = body + ric.calc_check_digit(body + "0")  # it ignores the last digit
            if number not in self.used_ids and ric.is_valid(number):
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        return (
            "1"
            + self.random.choice("3589")
            + "".join(str(self.random.randrange(10)) for _ in range(9))
        )

    def password(self) -> str:
        """A demo password that Django's validators accept (length ≥ 10, not common)."""
        alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
        return "hc-" + "".join(self.random.choice(alphabet) for _ in range(9))
