from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from analytics.cluster import (
    CLUSTERERS,
    HDBSCANClusterer,
    KMeansClusterer,
    ThemeClusterer,
    make_clusterer,
)


def _directions(n_samples=120, centers=4, dim=16, seed=0):
    """Blobs around random unit directions: cosine geometry, like sentence embeddings."""
    rng = np.random.default_rng(seed)
    means = rng.normal(size=(centers, dim)) * 3
    X, y = make_blobs(n_samples=n_samples, centers=means, cluster_std=0.4, random_state=seed)
    return X, y


def test_finds_the_number_of_clusters():
    X, y = _directions()
    model = ThemeClusterer().fit(X)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(y, model.labels_) > 0.95


def test_is_deterministic():
    X, _ = _directions()
    assert (ThemeClusterer().fit_predict(X) == ThemeClusterer().fit_predict(X)).all()


def test_cluster_within_one_group_is_a_one_off():
    X, y = _directions(n_samples=40, centers=2)
    groups = np.where(y == 0, 0, np.arange(len(y)) + 1)  # cluster 0 all from one COE
    labels = ThemeClusterer().fit_predict(X, groups=groups)
    assert (labels[y == 0] == -1).all()
    assert (labels[y == 1] >= 0).all()


def test_summarises_above_max_exact_and_still_recovers_clusters():
    X, y = _directions(n_samples=600, centers=3)
    labels = ThemeClusterer(max_exact=50).fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.9


def test_labels_are_numbered_by_size():
    X, _ = _directions(n_samples=100, centers=3)
    labels = ThemeClusterer().fit_predict(X)
    sizes = [(labels == c).sum() for c in range(labels.max() + 1)]
    assert sizes == sorted(sizes, reverse=True)


def test_invalid_parameter_is_refused():
    with pytest.raises(ValueError, match="min_cluster_size"):
        ThemeClusterer(min_cluster_size=0).fit(np.eye(3))


@pytest.mark.parametrize(
    "model, name",
    [
        (ThemeClusterer(max_share=1.5), "max_share"),
        (ThemeClusterer(distance_threshold=2.0), "distance_threshold"),
        (ThemeClusterer(max_exact=5), "max_exact"),
        (KMeansClusterer(n_clusters=0), "n_clusters"),
        (HDBSCANClusterer(min_cluster_size=1), "min_cluster_size"),
    ],
)
def test_a_bad_parameter_fails_at_fit_naming_it(model, name):
    X, _ = _directions(n_samples=30, centers=2)
    with pytest.raises(ValueError, match=f"'{name}' parameter of {type(model).__name__}"):
        model.fit(X)


@pytest.mark.parametrize("name", sorted(CLUSTERERS))
def test_clone_gives_an_unfitted_copy_with_the_same_parameters(name):
    X, _ = _directions(n_samples=60, centers=3)
    model = make_clusterer(name, seed=3).fit(X)
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert not hasattr(copy, "labels_")
    assert (copy.fit_predict(X) == model.labels_).all()


def test_make_clusterer_passes_only_the_settings_a_clusterer_has():
    assert make_clusterer("agglomerative", seed=7, distinct_within_group=True).get_params()[
        "distinct_within_group"
    ]
    assert make_clusterer("kmeans", seed=7).random_state == 7
    assert make_clusterer("hdbscan", seed=7).get_params() == HDBSCANClusterer().get_params()


def test_kmeans_baseline_uses_given_k():
    X, _ = _directions()
    assert KMeansClusterer(n_clusters=3).fit(X).n_clusters_ == 3


def test_unknown_clusterer_name():
    with pytest.raises(ValueError, match="unknown clusterer"):
        make_clusterer("spectral")


def _documents_of_distinct_remedies(
    n_docs=30, remedies=6, per_doc=3, spread=3.0, noise=0.6, seed=0
):
    """Each document lists ``per_doc`` different remedies; remedies are blobs of paraphrases."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(remedies, 16)) * spread
    X, y, groups = [], [], []
    for doc in range(n_docs):
        for r in rng.choice(remedies, size=per_doc, replace=False):
            X.append(centres[r] + rng.normal(scale=noise, size=16))
            y.append(r)
            groups.append(doc)
    return np.array(X), np.array(y), np.array(groups)


def _documents_with_a_repeated_cluster(labels, groups) -> int:
    return sum(
        len(set(found.tolist())) < len(found)
        for found in (labels[(groups == doc) & (labels >= 0)] for doc in np.unique(groups))
    )


def test_distinct_within_group_never_puts_two_of_one_document_together():
    # Remedies close together: unconstrained, the tree merges some of one document's remedies.
    X, _, groups = _documents_of_distinct_remedies(spread=1.0, noise=1.0)
    assert _documents_with_a_repeated_cluster(
        ThemeClusterer().fit_predict(X, groups=groups), groups
    )
    labels = ThemeClusterer(distinct_within_group=True).fit_predict(X, groups=groups)
    assert _documents_with_a_repeated_cluster(labels, groups) == 0


def test_distinct_within_group_recovers_the_remedies():
    X, y, groups = _documents_of_distinct_remedies()
    labels = ThemeClusterer(distinct_within_group=True).fit_predict(X, groups=groups)
    assert adjusted_rand_score(y, labels) > 0.9


def test_distinct_within_group_holds_when_summarised():
    X, _, groups = _documents_of_distinct_remedies(n_docs=200)
    model = ThemeClusterer(distinct_within_group=True, max_exact=100).fit(X, groups=groups)
    assert _documents_with_a_repeated_cluster(model.labels_, groups) == 0


def test_distinct_within_group_holds_for_near_copies_in_one_document():
    # Each document writes one remedy twice, almost verbatim: the k-means summary puts both
    # copies in one summary point, and identical texts are one distinct row on the exact path.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8))
    X[1::4] = X[0::4] + 1e-3 * rng.normal(size=(50, 8))
    groups = np.repeat(np.arange(50), 4)
    summarised = ThemeClusterer(distinct_within_group=True, max_exact=50).fit(X, groups=groups)
    assert _documents_with_a_repeated_cluster(summarised.labels_, groups) == 0
    X[1::4] = X[0::4]
    exact = ThemeClusterer(distinct_within_group=True).fit(X, groups=groups)
    assert _documents_with_a_repeated_cluster(exact.labels_, groups) == 0
