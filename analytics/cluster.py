"""Clustering estimators for themes and action families.

The default, :class:`ThemeClusterer`, is average-linkage agglomerative clustering on cosine
distance, cut where the silhouette of the cut is best, so the number of themes is found, not
given. Above ``max_exact`` points it first summarises the data with mini-batch k-means (the
cut is made on the centroids), so memory and time stay near-linear: an exact n x n distance
matrix for 100,000 vectors would need 40 GB. A cluster must hold statements from at least
``min_groups`` different COEs; the rest are one-off causes and get label -1.

With ``distinct_within_group`` (action families), two statements of one COE never share a
cluster: a COE lists each remedy once, so two of its action items are two remedies even when
they are worded alike. The same evidence chooses the cut: the tree is cut where too many
clusters would next merge with a cluster their own documents keep apart.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist, squareform
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import KMeans, MiniBatchKMeans

# scikit-learn's own constraint vocabulary, so a bad setting fails at ``fit`` with sklearn's
# message naming the parameter (an ``InvalidParameterError``, a ``ValueError``). The module is
# private but is what sklearn-compatible libraries (imbalanced-learn) build on; were a release
# to move it, the import fails loudly here rather than a check going missing.
from sklearn.utils._param_validation import Interval


class ThemeClusterer(ClusterMixin, BaseEstimator):
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
    distinct_within_group : bool
        Never put two statements of one group (COE) in one cluster, and cut the tree at the
        largest threshold where at most ``max_blocked_share`` of the clusters have, within the
        threshold, a neighbour they may not merge with.
    max_blocked_share : float
        See ``distinct_within_group``.

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

    _parameter_constraints: dict = {
        "distance_threshold": [Interval(Real, 0, 2, closed="neither"), None],
        "thresholds": ["array-like"],
        "min_cluster_size": [Interval(Integral, 1, None, closed="left")],
        "min_groups": [Interval(Integral, 1, None, closed="left")],
        "max_exact": [Interval(Integral, 10, None, closed="left")],
        "random_state": ["random_state"],
        "distinct_within_group": ["boolean"],
        "max_blocked_share": [Interval(Real, 0, 1, closed="right")],
        "max_share": [Interval(Real, 0, 1, closed="right")],
    }

    def __init__(
        self,
        *,
        distance_threshold: float | None = None,
        thresholds: tuple[float, ...] = tuple(np.round(np.arange(0.20, 0.86, 0.025), 3)),
        min_cluster_size: int = 2,
        min_groups: int = 2,
        max_exact: int = 3000,
        random_state: int = 0,
        distinct_within_group: bool = False,
        max_blocked_share: float = 0.25,
        max_share: float = 0.4,
    ):
        self.distance_threshold = distance_threshold
        self.thresholds = thresholds
        self.min_cluster_size = min_cluster_size
        self.min_groups = min_groups
        self.max_exact = max_exact
        self.random_state = random_state
        self.distinct_within_group = distinct_within_group
        self.max_blocked_share = max_blocked_share
        self.max_share = max_share

    def fit(self, X, y=None, *, groups=None) -> ThemeClusterer:
        """Cluster the rows of ``X``; ``groups`` names the COE of each row (``y`` is ignored)."""
        self._validate_params()
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
        if self.distinct_within_group and groups is not None:
            apart = _together(np.asarray(groups), assign[inverse], len(points))
            self.threshold_, labels = _constrained_cut(
                squareform(condensed),
                apart,
                self.distance_threshold,
                self.thresholds,
                self.max_blocked_share,
            )
            # The tree keeps distinct texts apart; two statements of one COE can still share a
            # cluster when they share a text or a k-means summary point.
            labels = _one_per_group(labels[assign], inverse, np.asarray(groups), X)
        else:
            tree = linkage(condensed, method="average")
            self.threshold_ = self.distance_threshold or _best_cut(
                tree, squareform(condensed), self.thresholds, self.max_share
            )
            labels = fcluster(tree, t=self.threshold_, criterion="distance")[assign][inverse]
        self.labels_ = _prune(labels, groups, self.min_cluster_size, self.min_groups, noise=-1)
        self.n_clusters_ = int(self.labels_.max() + 1)
        return self


class KMeansClusterer(ClusterMixin, BaseEstimator):
    """k-means with a given number of clusters: the baseline that is told the answer.

    ``threshold_`` is always ``None`` (no tree is cut); ``groups`` is accepted and ignored.
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_clusters: int = 12, random_state: int = 0):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit(self, X, y=None, *, groups=None) -> KMeansClusterer:
        self._validate_params()
        k = min(self.n_clusters, len(X))
        self.labels_ = KMeans(n_clusters=k, random_state=self.random_state, n_init=10).fit_predict(
            X
        )
        self.n_clusters_ = k
        self.threshold_ = None
        return self


class HDBSCANClusterer(ClusterMixin, BaseEstimator):
    """scikit-learn's HDBSCAN on the vectors (fine up to a few thousand points).

    ``threshold_`` is always ``None`` (no tree is cut at a distance).
    """

    # sklearn's HDBSCAN itself needs clusters of at least two points.
    _parameter_constraints: dict = {
        "min_cluster_size": [Interval(Integral, 2, None, closed="left")]
    }

    def __init__(self, *, min_cluster_size: int = 3):
        self.min_cluster_size = min_cluster_size

    def fit(self, X, y=None, *, groups=None) -> HDBSCANClusterer:
        from sklearn.cluster import HDBSCAN

        self._validate_params()
        labels = HDBSCAN(
            # The input is a fresh normalised copy already; saying so silences sklearn 1.9's
            # warning that the default changes.
            min_cluster_size=self.min_cluster_size,
            metric="euclidean",
            copy=True,
        ).fit_predict(_normalise(np.asarray(X, dtype=np.float32)))
        self.labels_ = _prune(labels + 1, groups, self.min_cluster_size, 1, noise=0)
        self.n_clusters_ = int(self.labels_.max() + 1)
        self.threshold_ = None
        return self


CLUSTERERS = {
    "agglomerative": ThemeClusterer,
    "hdbscan": HDBSCANClusterer,
    "kmeans": KMeansClusterer,
}


def make_clusterer(name: str, seed: int = 0, *, distinct_within_group: bool = False):
    """The clusterer a setting names, seeded where it is random.

    ``distinct_within_group`` asks for clusters that never hold two statements of one COE,
    where the clusterer supports it (the default one does).
    """
    if name not in CLUSTERERS:
        raise ValueError(f"unknown clusterer {name!r}; choose one of {sorted(CLUSTERERS)}")
    clusterer = CLUSTERERS[name]()
    wanted = {"random_state": seed, "distinct_within_group": distinct_within_group}
    accepted = clusterer.get_params()
    return clusterer.set_params(**{k: v for k, v in wanted.items() if k in accepted})


def _best_cut(tree: np.ndarray, distances: np.ndarray, thresholds, max_share: float) -> float:
    """The candidate cut with the best silhouette among those that leave no cluster holding more
    than ``max_share`` of the points.

    Unguarded, the silhouette of a diffuse space (real write-ups, a general-purpose sentence
    model) is best for "everything, plus one outlier", which is one theme for the whole corpus:
    a collapse, not a finding. When every candidate collapses, the largest cut that does not.
    """
    best, best_score = None, -1.0
    allowed = []
    for t in thresholds:
        labels = fcluster(tree, t=t, criterion="distance")
        k = labels.max()
        # Among a handful of causes a pair is no collapse: the guard needs a corpus.
        if len(labels) >= 10 and np.bincount(labels).max() > max_share * len(labels):
            continue
        allowed.append(float(t))
        if k < 2 or k >= len(labels):
            continue
        score = weighted_silhouette(distances, labels, np.ones(len(labels)))
        if score > best_score:
            best, best_score = float(t), score
    if best is not None:
        return best
    if allowed:
        return max(allowed)
    return float(min(thresholds))


def _together(groups: np.ndarray, point_of: np.ndarray, n: int) -> np.ndarray:
    """n x n bool: points that have members in one group (and so may not share a cluster).

    A k-means summary point stands for many texts of many COEs, so on that path most pairs end
    up apart; a softer rule (apart when half their COEs meet) measured worse (action-family
    ARI 0.73 against 0.82 on 10,000 COEs of distinct statements).
    """
    from scipy.sparse import csr_matrix

    _, group_ids = np.unique(groups, return_inverse=True)
    incidence = csr_matrix(
        (np.ones(len(point_of)), (group_ids, point_of)), shape=(group_ids.max() + 1, n)
    )
    apart = (incidence.T @ incidence).toarray() > 0
    np.fill_diagonal(apart, False)
    return apart


def _one_per_group(labels: np.ndarray, inverse: np.ndarray, groups: np.ndarray, X: np.ndarray):
    """Per-row labels (``labels[inverse]``) where no cluster holds two rows of one group.

    ``labels`` is one per distinct row ``X``. Of the rows of one group in one cluster, the one
    whose text is nearest the cluster's centre keeps the label; the others become -1.
    """
    out = labels[inverse].copy()
    key, _ = _pair_keys(out, groups)
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    crowded = np.isin(key, key[first[counts > 1]]) & (out >= 0)
    if not crowded.any():
        return out
    sizes = np.bincount(inverse, minlength=len(X)).astype(X.dtype)
    centres = np.zeros((labels.max() + 1, X.shape[1]), dtype=X.dtype)
    np.add.at(centres, labels[labels >= 0], X[labels >= 0] * sizes[labels >= 0, None])
    centres = _normalise(centres)
    closeness = np.einsum("ij,ij->i", X[inverse[crowded]], centres[out[crowded]])
    rows = np.flatnonzero(crowded)
    first_kept: set[int] = set()
    # Nearest first, so the first row of each (cluster, group) seen is the one kept.
    for row in rows[np.argsort(-closeness, kind="stable")]:
        if key[row] in first_kept:
            out[row] = -1
        else:
            first_kept.add(key[row])
    return out


def constrained_average_linkage(distances: np.ndarray, apart: np.ndarray, thresholds):
    """Average linkage that never merges clusters marked ``apart``, read off at each threshold.

    Returns ``{threshold: (labels, blocked_share)}``: the flat clustering after every allowed
    merge at or below the threshold, and the share of its clusters that have a cluster they may
    not merge with at or below the threshold. Merge distances never decrease (a merged cluster's
    allowed distances are averages of allowed distances, each at least the current merge), so
    stopping at a threshold is the cut of the full constrained tree there. Each merge updates
    one row and re-scans only the rows whose nearest neighbour changed: about O(n^2) in all.

    >>> import numpy as np
    >>> D = np.array([[0, 0.1, 0.2], [0.1, 0, 0.3], [0.2, 0.3, 0]])
    >>> apart = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]], bool)  # 0 and 1: one document
    >>> labels, share = constrained_average_linkage(D, apart, [0.25])[0.25]
    >>> labels.tolist()  # 0 joins 2, not its closer neighbour 1
    [1, 2, 1]
    >>> share  # {0, 2} and {1} are within 0.25 of each other, and kept apart
    1.0
    """
    n = len(distances)
    dist = distances.astype(np.float64, copy=True)
    np.fill_diagonal(dist, np.inf)
    apart = apart.copy()
    allowed = np.where(apart, np.inf, dist)
    nearest = allowed.argmin(axis=1)
    nearest_d = allowed[np.arange(n), nearest]
    size = np.ones(n)
    active = np.ones(n, dtype=bool)
    parent = np.arange(n)
    out = {}

    def snapshot(t: float):
        roots = parent.copy()
        while not np.array_equal(roots, roots[roots]):
            roots = roots[roots]
        _, labels = np.unique(roots, return_inverse=True)
        near = (dist[active][:, active] <= t) & apart[active][:, active]
        return labels + 1, float(near.any(axis=1).mean())

    pending = sorted(float(t) for t in thresholds)
    while pending:
        i = int(np.argmin(np.where(active, nearest_d, np.inf)))
        d = nearest_d[i] if active[i] else np.inf
        while pending and d > pending[0]:
            t = pending.pop(0)
            out[t] = snapshot(t)
        if not pending or not np.isfinite(d):
            break
        j = int(nearest[i])
        row = (dist[i] * size[i] + dist[j] * size[j]) / (size[i] + size[j])
        row[i] = np.inf
        dist[i], dist[:, i] = row, row
        dist[j], dist[:, j] = np.inf, np.inf
        apart[i] |= apart[j]
        apart[:, i] = apart[i]
        allowed_i = np.where(apart[i], np.inf, row)
        allowed_i[~active] = np.inf
        allowed_i[j] = np.inf
        allowed[i], allowed[:, i] = allowed_i, allowed_i
        allowed[j], allowed[:, j] = np.inf, np.inf
        size[i] += size[j]
        active[j], nearest_d[j] = False, np.inf
        parent[j] = i
        for k in np.flatnonzero(active & ((nearest == i) | (nearest == j))):
            nearest[k] = allowed[k].argmin()
            nearest_d[k] = allowed[k, nearest[k]]
        nearest[i] = allowed_i.argmin()
        nearest_d[i] = allowed_i[nearest[i]]
        closer = active & (allowed_i < nearest_d)
        nearest[closer], nearest_d[closer] = i, allowed_i[closer]
    for t in pending:
        out[t] = snapshot(t)
    return out


def _constrained_cut(distances, apart, threshold, thresholds, max_blocked_share):
    """The cut of the constrained tree: ``threshold`` if given, else the largest candidate whose
    blocked share is at most ``max_blocked_share``."""
    cuts = constrained_average_linkage(distances, apart, [threshold] if threshold else thresholds)
    ok = [t for t, (_, share) in cuts.items() if share <= max_blocked_share]
    best = max(ok) if ok else min(cuts)
    return best, cuts[best][0]


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
    """Clusters too small or within too few groups become -1; the rest renumbered by size.

    Counted with array operations: a loop over clusters cost O(n x clusters), seconds when
    thousands of why-steps stay singletons.

    >>> _prune(np.array([5, 5, 7, 7, 7, 9]), np.array([0, 1, 2, 2, 3, 4]), 2, 2).tolist()
    [1, 1, 0, 0, 0, -1]
    """
    labels = np.asarray(labels)
    groups = np.arange(len(labels)) if groups is None else np.asarray(groups)
    found, cluster_of, size = np.unique(labels, return_inverse=True, return_counts=True)
    keys, base = _pair_keys(cluster_of, groups)
    spans = np.bincount(np.unique(keys) // base, minlength=len(found))
    first = np.full(len(found), len(labels))
    np.minimum.at(first, cluster_of, np.arange(len(labels)))
    keep = (size >= min_size) & (spans >= min_groups)
    if noise is not None:
        keep &= found != noise
    kept = np.flatnonzero(keep)
    order = kept[np.lexsort((first[kept], -size[kept]))]
    number = np.full(len(found), -1)
    number[order] = np.arange(len(order))
    return number[cluster_of]


def _pair_keys(clusters: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, int]:
    """One int64 per row naming its (cluster, group) pair, and ``base``: key // base is the
    cluster (for non-negative cluster numbers)."""
    _, group_of = np.unique(groups, return_inverse=True)
    base = int(group_of.max()) + 1
    return clusters.astype(np.int64) * base + group_of, base


def _normalise(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms == 0, 1, norms)
