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
