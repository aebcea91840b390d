"""What apps built on the workflow add to a decision on an application of their kind.

relief checks a relief application's programme rules and budget before approval and records what
is owed when it is approved. The lists are filled in those apps' AppConfig.ready(), so cases
imports no app that builds on it. A check raises cases.services.CaseError (or another
helpcenter.errors.DomainError) with the reason; an approval hook runs inside the approval's
transaction, on the locked application, after the checks passed.
"""

from collections import defaultdict
from collections.abc import Callable

# kind → functions called as f(actor=…, application=…)
approval_checks: dict[str, list[Callable]] = defaultdict(list)
on_approval: dict[str, list[Callable]] = defaultdict(list)
