from pypinyin import Style, lazy_pinyin


def initials(name: str) -> str:
    """Pinyin initials of a Chinese name, lower case: 张三 → zs."""
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore")).lower()[:20]
