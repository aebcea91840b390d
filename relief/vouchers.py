"""What a printed voucher (付款凭证) shows beside the figures: the amount in Chinese capitals
(大写金额), as finance writes it on paper, e.g. 壹仟贰佰元整."""

from decimal import Decimal

import cn2an


def amount_in_capitals(amount: Decimal) -> str:
    """壹仟贰佰元整 for 1200.00, 壹仟零伍元零柒分 for 1005.07, 负… for a reversal."""
    return cn2an.an2cn(str(Decimal(amount).quantize(Decimal("0.01"))), "rmb")
