"""The points each outfit item adds to a result's 0–100 match add up to that match less 50, exactly:
trial M read badges +19 and +7 on a result shown at 75 (parts 18.5 and 6.8, each rounded alone)."""

from __future__ import annotations

import random

from sane_desktop.service.match_score import match_percent, share_points


def test_trial_ms_badges_add_up_to_the_match() -> None:
    shares = [0.74, 0.272]  # 25 × share: 18.5 and 6.8 points; the match 75.3 → 75
    assert match_percent(sum(shares), 2) == 75
    assert share_points(shares) == [18, 7]  # the larger remainder (0.8) takes the point left


def test_points_always_add_up_and_stay_within_one_of_each_exact_part() -> None:
    rng = random.Random(0)
    for _ in range(2000):
        shares = [rng.uniform(-1, 1) for _ in range(rng.randint(1, 6))]
        points = share_points(shares)
        assert 50 + sum(points) == match_percent(sum(shares), len(shares)), shares
        assert all(abs(p - 50 * s / len(shares)) < 1 for p, s in zip(points, shares)), (points, shares)
    assert share_points([]) == []
