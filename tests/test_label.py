"""Cluster labels: distinctive keywords, shared ones first, and the most central statement."""

from __future__ import annotations

from analytics.label import CTfidfLabeler


def test_a_term_two_coes_share_comes_before_one_coes_repeated_name():
    texts = [
        "Alcide knowledge sat with one engineer; Alcide Alcide",  # COE A
        "Alcide was deprecated",  # COE A again
        "on-call rota had gaps during holidays",  # COE B
        "knowledge of the rota lived in one engineer's head",  # COE C
        "retry storm overloaded the database",  # another cluster
        "retries without backoff overloaded the database",
    ]
    labels = [0, 0, 0, 0, 1, 1]
    groups = ["A", "A", "B", "C", "D", "E"]
    plain = CTfidfLabeler().fit(texts, labels)
    assert plain.keywords_[0][0] == "alcide"  # c-TF-IDF alone: the most repeated word
    shared = CTfidfLabeler().fit(texts, labels, groups=groups)
    first_two = shared.keywords_[0][:2]
    assert "alcide" not in first_two
    assert {"knowledge", "rota"} & set(first_two)


def test_clone_gives_an_unfitted_copy_with_the_same_parameters():
    from sklearn.base import clone

    texts = ["certificate expired", "certificate renewal missed", "retry storm", "retry storm db"]
    fitted = CTfidfLabeler(n_keywords=2).fit(texts, [0, 0, 1, 1])
    copy = clone(fitted)
    assert copy.get_params() == {"n_keywords": 2, "n_label_words": 3}
    assert not hasattr(copy, "keywords_")
    assert copy.fit(texts, [0, 0, 1, 1]).keywords_ == fitted.keywords_


def test_a_bad_parameter_fails_at_fit_naming_it():
    import pytest

    with pytest.raises(ValueError, match="'n_keywords' parameter of CTfidfLabeler"):
        CTfidfLabeler(n_keywords=0).fit(["certificate expired"], [0])
