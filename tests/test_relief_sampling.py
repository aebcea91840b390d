"""Sample size and draw for payment verification, against figures computed by hand."""

from collections import Counter
from decimal import Decimal

import pytest

from relief import sampling

D = Decimal


@pytest.mark.parametrize(
    ("population", "confidence", "margin", "expected"),
    [
        # n0 = 1.96² · 0.25 / 0.05² = 384.16; 1000 · 384.16 / 1384.16 = 277.5 → 278
        (1000, "0.95", "0.05", 278),
        # 100 · 384.16 / 484.16 = 79.3 → 80
        (100, "0.95", "0.05", 80),
        # 10 · 384.16 / 394.16 = 9.7 → 10
        (10, "0.95", "0.05", 10),
        (1, "0.95", "0.05", 1),
        (0, "0.95", "0.05", 0),
        # n0 = 1.645² · 0.25 / 0.1² = 67.65; 500 · 67.65 / 567.65 = 59.6 → 60
        (500, "0.90", "0.10", 60),
        # n0 = 2.576² · 0.25 / 0.05² = 663.58; 2000 · 663.58 / 2663.58 = 498.3 → 499
        (2000, "0.99", "0.05", 499),
        # a large population approaches n0: 1,000,000 · 384.16 / 1,000,384.16 = 384.01 → 385
        (1_000_000, "0.95", "0.05", 385),
    ],
)
def test_sample_size_matches_hand_computed_figures(population, confidence, margin, expected):
    assert (
        sampling.sample_size(population=population, confidence=D(confidence), margin=D(margin))
        == expected
    )


def test_the_sample_is_never_larger_than_the_population():
    for population in range(1, 60):
        n = sampling.sample_size(population=population, confidence=D("0.99"), margin=D("0.01"))
        assert 1 <= n <= population


def test_z_of_the_usual_levels_and_of_any_other():
    assert sampling.z_for(D("0.90")) == 1.645
    assert sampling.z_for(D("0.95")) == 1.96
    assert sampling.z_for(D("0.99")) == 2.576
    assert round(sampling.z_for(D("0.80")), 4) == 1.2816
    with pytest.raises(ValueError):
        sampling.z_for(D("1.5"))
    with pytest.raises(ValueError):
        sampling.sample_size(population=10, confidence=D("0.95"), margin=D("0"))


def test_the_draw_is_reproducible_from_the_seed_whatever_the_order():
    ids = list(range(1, 501))
    first = sampling.draw(ids, 50, seed=20270128)
    assert first == sampling.draw(list(reversed(ids)), 50, seed=20270128)
    assert first != sampling.draw(ids, 50, seed=20270129)
    assert len(set(first)) == 50 and set(first) <= set(ids)
    assert sampling.draw(ids[:5], 50, seed=1) == ids[:5]


def test_proportional_allocation_by_largest_remainder():
    # 10 of 50/30/20: quotas 5/3/2 exactly.
    assert sampling.allocate({"a": 50, "b": 30, "c": 20}, 10) == {"a": 5, "b": 3, "c": 2}
    # 10 of 45/35/20: quotas 4.5/3.5/2 → floors 4/3/2, the one left goes to the larger remainder
    # tie (0.5 each) → the larger stratum a.
    assert sampling.allocate({"a": 45, "b": 35, "c": 20}, 10) == {"a": 5, "b": 3, "c": 2}
    # 7 of 60/25/15: quotas 4.2/1.75/1.05 → floors 4/1/1, one left → b (0.75).
    assert sampling.allocate({"a": 60, "b": 25, "c": 15}, 7) == {"a": 4, "b": 2, "c": 1}


def test_each_stratum_gets_one_when_n_allows():
    # 5 of 97/2/1: quotas 4.85/0.1/0.05 → 5/0/0; b and c get one each, taken from a.
    assert sampling.allocate({"a": 97, "b": 2, "c": 1}, 5) == {"a": 3, "b": 1, "c": 1}
    # 2 of three strata: not every stratum can have one.
    assert sum(sampling.allocate({"a": 97, "b": 2, "c": 1}, 2).values()) == 2


def test_a_stratified_draw_follows_the_allocation():
    strata = {i: ("A" if i <= 60 else "B" if i <= 90 else "C") for i in range(1, 101)}
    chosen = sampling.draw(list(strata), 10, seed=7, strata=strata)
    assert Counter(strata[i] for i in chosen) == {"A": 6, "B": 3, "C": 1}
    assert chosen == sampling.draw(list(strata), 10, seed=7, strata=strata)
