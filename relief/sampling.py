"""Sample size and a reproducible draw for payment verification (回访核实). Pure: no database.

The size is the one public cash-transfer programmes use for a proportion at its most uncertain
(p = 0.5): n₀ = z²·p(1−p)/e² for the confidence level's z and the margin of error e, corrected
for a finite population of N households: n = ⌈N·n₀ / (n₀ + N)⌉, never more than N.
"""

import math
import random
from collections.abc import Hashable, Sequence
from decimal import Decimal
from statistics import NormalDist

# The usual levels, to the three decimals published tables give (NormalDist for any other).
Z_FOR = {Decimal("0.90"): 1.645, Decimal("0.95"): 1.96, Decimal("0.99"): 2.576}


def z_for(confidence: Decimal) -> float:
    """The two-sided z of a confidence level between 0 and 1 (0.95 → 1.96)."""
    confidence = Decimal(confidence)
    if not Decimal(0) < confidence < Decimal(1):
        raise ValueError("confidence must be between 0 and 1")
    if confidence in Z_FOR:
        return Z_FOR[confidence]
    return NormalDist().inv_cdf(0.5 + float(confidence) / 2)


def initial_size(*, confidence: Decimal, margin: Decimal) -> float:
    """n₀ = z²·0.25/e²: the size for an unlimited population."""
    margin = Decimal(margin)
    if not Decimal(0) < margin < Decimal(1):
        raise ValueError("margin must be between 0 and 1")
    return z_for(confidence) ** 2 * 0.25 / float(margin) ** 2


def sample_size(*, population: int, confidence: Decimal, margin: Decimal) -> int:
    """n = ⌈N·n₀/(n₀+N)⌉, at most N (0 for an empty population)."""
    if population < 0:
        raise ValueError("population cannot be negative")
    if population == 0:
        return 0
    n0 = initial_size(confidence=confidence, margin=margin)
    # Rounded to 9 places first, so a float just above a whole number does not add one.
    return min(population, math.ceil(round(population * n0 / (n0 + population), 9)))


def allocate(sizes: dict[Hashable, int], n: int) -> dict[Hashable, int]:
    """Proportional allocation of n over strata of the given sizes, by largest remainder
    (ties to the larger stratum, then the key's order); each stratum gets at least one when n
    allows it, and never more than it holds."""
    total = sum(sizes.values())
    n = min(n, total)
    keys = sorted((key for key in sizes if sizes[key] > 0), key=str)
    if n == 0 or not keys:
        return dict.fromkeys(sizes, 0)
    quotas = {key: sizes[key] * n / total for key in keys}
    shares = {key: math.floor(quotas[key]) for key in keys}
    by_remainder = sorted(
        keys, key=lambda key: (-(quotas[key] - shares[key]), -sizes[key], str(key))
    )
    for key in by_remainder[: n - sum(shares.values())]:
        shares[key] += 1
    if n >= len(keys):
        # Each stratum at least one, taken from the strata with the most to spare.
        for key in keys:
            if shares[key] == 0:
                spare = [k for k in keys if shares[k] > 1]
                donor = max(spare, key=lambda k: (shares[k] - quotas[k], shares[k], str(k)))
                shares[donor] -= 1
                shares[key] = 1
    return {key: shares.get(key, 0) for key in sizes}


def draw(
    ids: Sequence[Hashable],
    n: int,
    *,
    seed: int,
    strata: dict[Hashable, Hashable] | None = None,
) -> list[Hashable]:
    """n of `ids` at random, the same for the same seed and ids (whatever their order): a
    simple random sample, or with `strata` (id → stratum) a proportional one per stratum."""
    pool = sorted(set(ids))
    n = max(0, min(n, len(pool)))
    generator = random.Random(seed)  # noqa: S311 (reproducible on purpose: the seed is recorded)
    if strata is None:
        return sorted(generator.sample(pool, n))
    groups: dict[Hashable, list[Hashable]] = {}
    for item in pool:
        groups.setdefault(strata[item], []).append(item)
    shares = allocate({key: len(members) for key, members in groups.items()}, n)
    chosen = []
    for key in sorted(groups, key=str):
        chosen.extend(generator.sample(groups[key], shares[key]))
    return sorted(chosen)
