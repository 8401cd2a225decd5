"""Clustering estimators for themes and action families.

The default, :class:`ThemeClusterer`, is average-linkage agglomerative clustering on cosine
distance, cut where the silhouette of the cut is best, so the number of themes is found, not
given. Above ``max_exact`` points it first summarises the data with mini-batch k-means (the
cut is made on the centroids), so memory and time stay near-linear: an exact n x n distance
matrix for 100,000 vectors would need 40 GB. A cluster must hold statements from at least
``min_groups`` different COEs; the rest are one-off causes and get label -1.
"""

from __future__ import annotations

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.cluster import KMeans, MiniBatchKMeans

_PARAMETER_CONSTRAINTS = {
    "distance_threshold": lambda v: v is None or 0 < v < 2,
    "min_cluster_size": lambda v: isinstance(v, int) and v >= 1,
    "min_groups": lambda v: isinstance(v, int) and v >= 1,
    "max_exact": lambda v: isinstance(v, int) and v >= 10,
}


class ThemeClusterer:
    """Agglomerative clustering with a silhouette-chosen cut and one-off detection.

    Parameters
    ----------
    distance_threshold : float or None
        Cosine distance at which to cut the tree; ``None`` picks the cut with the best silhouette
        among ``thresholds``.
    thresholds : tuple of float
        Candidate cuts searched when ``distance_threshold`` is None.
    min_cluster_size : int
        Smaller clusters become one-offs (label -1).
    min_groups : int
        A cluster must span at least this many groups (COEs) passed to ``fit``.
    max_exact : int
        Above this many points, cluster mini-batch k-means centroids instead of the points.
    random_state : int
        Seed of the k-means summary.

    Attributes
    ----------
    labels_ : ndarray of int
        Cluster per point, -1 for one-offs; clusters numbered by size, largest first.
    threshold_ : float
        The cut used.

    Examples
    --------
    >>> from sklearn.datasets import make_blobs
    >>> X, _ = make_blobs(n_samples=60, centers=[[5, 0], [0, 5], [-5, -5]], random_state=0)
    >>> X = X + 20  # keep the blobs in separate directions after normalisation
    >>> ThemeClusterer().fit(X).n_clusters_ >= 1
    True
    """

    def __init__(
        self,
        *,
        distance_threshold: float | None = None,
        thresholds: tuple[float, ...] = tuple(np.round(np.arange(0.20, 0.86, 0.025), 3)),
        min_cluster_size: int = 2,
        min_groups: int = 2,
        max_exact: int = 3000,
        random_state: int = 0,
    ):
        self.distance_threshold = distance_threshold
        self.thresholds = thresholds
        self.min_cluster_size = min_cluster_size
        self.min_groups = min_groups
        self.max_exact = max_exact
        self.random_state = random_state

    def fit(self, X, groups=None) -> ThemeClusterer:
        for name, check in _PARAMETER_CONSTRAINTS.items():
            if not check(getattr(self, name)):
                raise ValueError(f"invalid {name}={getattr(self, name)!r}")
        X = _normalise(np.asarray(X, dtype=np.float32))
        # Identical rows (the same masked sentence in many COEs) are clustered once. The cut's
        # silhouette counts each distinct sentence once too: weighting by occurrences favoured
        # cuts that only keep verbatim repeats together (action ARI 0.28 against 0.56).
        X, inverse = _unique_rows(X)
        n = len(X)
        if n < 2:
            self.labels_ = np.full(len(inverse), -1)
            self.threshold_ = self.distance_threshold
            self.n_clusters_ = 0
            return self
        if n > self.max_exact:
            summary = MiniBatchKMeans(
                n_clusters=self.max_exact,
                # Random init: k-means++ over thousands of centres costs minutes, and the
                # summary only needs centres that cover the data, not a k-means optimum.
                init="random",
                random_state=self.random_state,
                n_init=1,
                batch_size=4096,
                max_iter=20,
            ).fit(X)
            points, assign = _normalise(summary.cluster_centers_), summary.labels_
        else:
            points, assign = X, np.arange(n)
        condensed = np.clip(pdist(points, metric="cosine"), 0, 2)
        tree = linkage(condensed, method="average")
        self.threshold_ = self.distance_threshold or _best_cut(
            tree, squareform(condensed), self.thresholds
        )
        labels = fcluster(tree, t=self.threshold_, criterion="distance")[assign][inverse]
        self.labels_ = _prune(labels, groups, self.min_cluster_size, self.min_groups)
        self.n_clusters_ = int(self.labels_.max() + 1)
        return self

    def fit_predict(self, X, groups=None) -> np.ndarray:
        return self.fit(X, groups).labels_


class KMeansClusterer:
    """k-means with a given number of clusters: the baseline that is told the answer."""

    def __init__(self, *, n_clusters: int = 12, random_state: int = 0):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, X, groups=None) -> KMeansClusterer:
        k = min(self.n_clusters, len(X))
        self.labels_ = KMeans(n_clusters=k, random_state=self.random_state, n_init=10).fit_predict(
            X
        )
        self.n_clusters_ = k
        return self

    def fit_predict(self, X, groups=None) -> np.ndarray:
        return self.fit(X, groups).labels_


class HDBSCANClusterer:
    """scikit-learn's HDBSCAN on the vectors (fine up to a few thousand points)."""

    def __init__(self, *, min_cluster_size: int = 3):
        self.min_cluster_size = min_cluster_size

    def fit(self, X, groups=None) -> HDBSCANClusterer:
        from sklearn.cluster import HDBSCAN

        labels = HDBSCAN(min_cluster_size=self.min_cluster_size, metric="euclidean").fit_predict(
            _normalise(np.asarray(X, dtype=np.float32))
        )
        self.labels_ = _prune(labels + 1, groups, self.min_cluster_size, 1, noise=0)
        self.n_clusters_ = int(self.labels_.max() + 1)
        return self

    def fit_predict(self, X, groups=None) -> np.ndarray:
        return self.fit(X, groups).labels_


CLUSTERERS = {
    "agglomerative": ThemeClusterer,
    "hdbscan": HDBSCANClusterer,
    "kmeans": KMeansClusterer,
}


def make_clusterer(name: str, seed: int = 0):
    """The clusterer a setting names, seeded where it is random."""
    if name not in CLUSTERERS:
        raise ValueError(f"unknown clusterer {name!r}; choose one of {sorted(CLUSTERERS)}")
    return CLUSTERERS[name]() if name == "hdbscan" else CLUSTERERS[name](random_state=seed)


def _best_cut(tree: np.ndarray, distances: np.ndarray, thresholds) -> float:
    best, best_score = float(thresholds[len(thresholds) // 2]), -1.0
    for t in thresholds:
        labels = fcluster(tree, t=t, criterion="distance")
        k = labels.max()
        if k < 2 or k >= len(labels):
            continue
        score = weighted_silhouette(distances, labels, np.ones(len(labels)))
        if score > best_score:
            best, best_score = float(t), score
    return best


def weighted_silhouette(distances: np.ndarray, labels: np.ndarray, weights: np.ndarray) -> float:
    """Mean silhouette of a clustering where point i stands for ``weights[i]`` identical points.

    Equal to ``sklearn.metrics.silhouette_score`` on the expanded data, in O(n^2) for the n
    distinct points (the cluster sums are one sparse product).

    >>> import numpy as np
    >>> from sklearn.metrics import silhouette_score
    >>> X = np.array([[0.0], [0.1], [5.0], [5.2], [5.2]])
    >>> D = np.abs(X - X.T)
    >>> a = weighted_silhouette(D[:4, :4], np.array([0, 0, 1, 1]), np.array([1, 1, 1, 2]))
    >>> bool(np.isclose(a, silhouette_score(D, [0, 0, 1, 1, 1], metric="precomputed")))
    True
    """
    from scipy.sparse import csr_matrix

    _, labels = np.unique(labels, return_inverse=True)
    n, k = len(labels), labels.max() + 1
    onehot = csr_matrix((weights, (np.arange(n), labels)), shape=(n, k))
    sums = np.asarray(
        (onehot.T @ distances.T).T
    )  # weighted distance from each point to each cluster
    size = np.asarray(onehot.sum(axis=0)).ravel()
    own = size[labels]
    a = sums[np.arange(n), labels] / np.maximum(own - 1, 1)
    mean_to = sums / size
    mean_to[np.arange(n), labels] = np.inf
    b = mean_to.min(axis=1)
    s = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float((s * weights).sum() / weights.sum())


def _unique_rows(X: np.ndarray):
    """Distinct rows in first-seen order and the index of each row's distinct row.

    Compares raw bytes: ``np.unique(axis=0)`` sorts row by row and is 30x slower.
    """
    seen: dict[bytes, int] = {}
    first: list[int] = []
    inverse = np.empty(len(X), dtype=np.int64)
    for i, row in enumerate(np.ascontiguousarray(X)):
        key = row.tobytes()
        if key not in seen:
            seen[key] = len(first)
            first.append(i)
        inverse[i] = seen[key]
    return X[first], inverse


def _prune(labels, groups, min_size: int, min_groups: int, noise: int | None = None) -> np.ndarray:
    """Clusters too small or within too few groups become -1; the rest renumbered by size."""
    labels = np.asarray(labels)
    groups = np.arange(len(labels)) if groups is None else np.asarray(groups)
    keep = []
    for label in np.unique(labels):
        if noise is not None and label == noise:
            continue
        members = labels == label
        if members.sum() >= min_size and len(np.unique(groups[members])) >= min_groups:
            keep.append((-int(members.sum()), int(np.flatnonzero(members)[0]), label))
    out = np.full(len(labels), -1)
    for new, (_, _, label) in enumerate(sorted(keep)):
        out[labels == label] = new
    return out


def _normalise(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms == 0, 1, norms)
