"""A decision where the guideline prefers nothing is scored for safety only."""

from edu.scoring import score_judgement


def test_full_marks_are_what_the_best_available_verdict_earns():
    score = score_judgement("not_recommended", best_available="not_recommended")
    assert (score.points, score.max_points, score.safety_error) == (0, 0, False)


def test_a_contraindicated_choice_is_still_a_safety_error_when_nothing_is_preferred():
    score = score_judgement("contraindicated", best_available="not_recommended")
    assert (score.points, score.max_points, score.safety_error) == (0, 0, True)


def test_best_available_acceptable_makes_acceptable_full_marks():
    score = score_judgement("acceptable", best_available="acceptable")
    assert score.points == score.max_points == 5


def test_without_best_available_preferred_is_full_marks():
    assert score_judgement("acceptable").max_points == 10
