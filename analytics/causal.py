"""The theme-level causal graph: why chains of the whole corpus, collapsed into clusters.

Every why-step is replaced by its why-step cluster (``W..``) and every COE's chain ends in the
COE's theme (``T..``). An edge ``A -> B`` counts the *chains* that step from a why in cluster
``A`` to a deeper step in ``B``:

- each parent -> child pair of whys in one COE (branches give one pair per branch), and
- each leaf why (one no other why deepens) -> the COE's theme (``Analysis.coe_theme``).

A why without cluster (its text was empty, or a density clusterer called it noise) is bridged:
its clustered children count from its nearest clustered ancestor, so one unclustered step does
not cut a chain in two. Steps that stay in one cluster (``A -> A``) are not edges: they say
nothing about where a cause leads.

Node attributes (names from :mod:`analytics.graph_schema`): ``kind`` (``why`` or ``theme``),
``label``, ``keywords``, ``coe_count`` (distinct COEs with a member statement), ``size``
(member statements), ``depth`` (mean position in a chain: first why 1, a theme one below the
leaf that reaches it; 0 when no chain reaches it). Edge attributes: ``weight`` (chains) and
``coe_count`` (distinct COEs those chains come from).
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence

import networkx as nx

from analytics import graph_schema as gs
from analytics.analysis import Analysis
from analytics.record import COE, why_children


def causal_graph(analysis: Analysis, coes: Sequence[COE]) -> nx.DiGraph:
    """Collapse every COE's why chain into the why-cluster / theme graph.

    Parameters
    ----------
    analysis
        The run whose why clusters, themes and ``coe_theme`` are used.
    coes
        The COE records (their why ``parent`` links give the chains).

    Returns
    -------
    networkx.DiGraph
        Nodes are bare cluster ids (``"W03"``, ``"T01"``); see the module docstring.

    Examples
    --------
    >>> from analytics.analysis import Analysis, Cluster, Statement
    >>> from analytics.record import COE, Why
    >>> coes = [COE(c, "", whys=(Why("1", None, None, "timeout"), Why("2", "1", None, "no budget")))
    ...         for c in ("C1", "C2")]
    >>> st = [Statement(f"{c}#why{w}", c, "why", w, "", "", k)
    ...       for c in ("C1", "C2") for w, k in (("1", "W01"), ("2", "W02"))]
    >>> cl = lambda i, kind: Cluster(i, kind, i, (), "", (), ("C1", "C2"))
    >>> a = Analysis(0, "", {}, tuple(st), (cl("T01", "root_cause"),), (),
    ...              (cl("W01", "why"), cl("W02", "why")), coe_theme={"C1": "T01", "C2": "T01"})
    >>> C = causal_graph(a, coes)
    >>> sorted(C.edges(data="weight"))
    [('W01', 'W02', 2), ('W02', 'T01', 2)]
    >>> C.nodes["T01"]["depth"]
    3.0
    """
    C = nx.DiGraph()
    for cluster, kind in (
        *((c, gs.WHY) for c in analysis.why_clusters),
        *((c, gs.THEME) for c in analysis.themes),
    ):
        C.add_node(
            cluster.id,
            **{
                gs.KIND: kind,
                gs.LABEL: cluster.label,
                gs.KEYWORDS: list(cluster.keywords),
                gs.COE_COUNT: len(cluster.coes),
                gs.SIZE: len(cluster.statements),
                gs.DEPTH: 0.0,
            },
        )
    statements = analysis.statement_by_id
    chains: dict[tuple[str, str], int] = defaultdict(int)
    chain_coes: dict[tuple[str, str], set[str]] = defaultdict(set)
    depths: dict[str, list[int]] = defaultdict(list)

    for coe in coes:
        theme = analysis.coe_theme.get(coe.id)
        for source, target, depth in _chain_steps(coe, statements, theme):
            depths[target].append(depth)
            if source is not None and source != target:
                chains[source, target] += 1
                chain_coes[source, target].add(coe.id)

    for (a, b), weight in chains.items():
        if a in C and b in C:
            C.add_edge(a, b, **{gs.WEIGHT: weight, gs.COE_COUNT: len(chain_coes[a, b])})
    for node, ds in depths.items():
        if node in C:
            C.nodes[node][gs.DEPTH] = round(sum(ds) / len(ds), 3)
    return C


def _chain_steps(coe: COE, statements: dict, theme: str | None):
    """``(source cluster | None, target cluster, target depth)`` for every step of one chain."""
    children = why_children(coe.whys)
    # (why id, depth, nearest clustered ancestor); ``seen`` guards against parent cycles.
    stack = [(w, 1, None) for w in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        why, depth, above = stack.pop()
        if why in seen:
            continue
        seen.add(why)
        s = statements.get(f"{coe.id}#why{why}")
        cluster = s.cluster if s is not None else None
        if cluster:
            yield above, cluster, depth
        here = cluster or above
        kids = [k for k in children.get(why, ()) if k not in seen]
        if not kids and theme and here:
            yield here, theme, depth + 1
        stack.extend((k, depth + 1, here) for k in reversed(kids))


def deepest_recurring_causes(C: nx.DiGraph, *, min_coes: int = 2) -> list[dict]:
    """Recurring clusters that no recurring cluster lies beneath: where chains bottom out.

    A cluster *recurs* when at least ``min_coes`` COEs have a statement in it. It is among the
    deepest when none of its out-edges leads to another recurring cluster. Themes are usually
    such clusters; a why cluster is one when the chains through it end in one-off causes.

    Returns
    -------
    list of dict
        ``id, kind, label, coe_count, depth, chains`` (chains arriving: weighted in-degree) and
        ``upstream`` (clusters with a path to it), most recurring first, then most upstream.

    Examples
    --------
    >>> C = nx.DiGraph()
    >>> C.add_nodes_from([("W01", {"kind": "why", "coe_count": 5}),
    ...                   ("W02", {"kind": "why", "coe_count": 4}),
    ...                   ("T01", {"kind": "theme", "coe_count": 4}),
    ...                   ("T02", {"kind": "theme", "coe_count": 1})])
    >>> C.add_weighted_edges_from([("W01", "W02", 4), ("W02", "T01", 3), ("W01", "T02", 1)])
    >>> [(r["id"], r["chains"], r["upstream"]) for r in deepest_recurring_causes(C)]
    [('T01', 3, 2)]
    """
    recurring = {n for n, k in C.nodes(data=gs.COE_COUNT, default=0) if k >= min_coes}
    terminal = [n for n in recurring if not any(v in recurring and v != n for v in C.successors(n))]
    upstream = _ancestor_counts(C, terminal)
    rows = []
    for node in terminal:
        attrs = C.nodes[node]
        rows.append(
            {
                "id": node,
                "kind": attrs.get(gs.KIND),
                "label": attrs.get(gs.LABEL, node),
                "coe_count": attrs.get(gs.COE_COUNT, 0),
                "depth": attrs.get(gs.DEPTH, 0.0),
                "chains": int(C.in_degree(node, weight=gs.WEIGHT)),
                "upstream": upstream[node],
            }
        )
    rows.sort(key=lambda r: (-r["coe_count"], -r["upstream"], r["id"]))
    return rows


def _ancestor_counts(C: nx.DiGraph, nodes: Sequence[str]) -> dict[str, int]:
    """``len(nx.ancestors(C, n))`` for each of ``nodes``, for all of them in one pass.

    Ancestor sets are bitsets propagated in topological order over the condensation (strongly
    connected components collapsed), so the cost is edges x components / 64, not one graph
    search per node.
    """
    if not nodes:
        return {}
    D = nx.condensation(C)
    members = D.graph["mapping"]  # node -> component
    size = {c: len(D.nodes[c]["members"]) for c in D}
    above: dict[int, int] = {}  # component -> bitset of components strictly upstream
    for c in nx.topological_sort(D):
        bits = 0
        for p in D.predecessors(c):
            bits |= above[p] | (1 << p)
        above[c] = bits
    out = {}
    for n in nodes:
        c = members[n]
        bits = above[c]
        # Others in the same cycle are ancestors too.
        count = size[c] - 1
        while bits:
            low = bits & -bits
            count += size[low.bit_length() - 1]
            bits ^= low
        out[n] = count
    return out


def causal_paths(
    C: nx.DiGraph,
    source: str,
    *,
    limit: int = 5,
    min_probability: float = 0.01,
    max_length: int = 12,
) -> list[dict]:
    """The usual ways chains lead from ``source`` (a symptom cluster) down to a theme.

    Each edge ``A -> B`` is read as the chance that a chain at ``A`` steps next to ``B``:
    its weight over ``A``'s total out-weight. A path's probability is the product along it;
    paths are simple, end at the first theme they reach, and come most probable first (a
    best-first search, so the ``limit`` best are exact, not sampled).

    Parameters
    ----------
    source
        A node of ``C``, usually a why cluster met early in chains.
    limit
        At most this many paths.
    min_probability
        Paths less likely than this are not followed.
    max_length
        At most this many edges.

    Returns
    -------
    list of dict
        ``path`` (node ids, source first), ``theme`` (the last node), ``probability`` and
        ``chains`` (the smallest edge weight on the path: chains known to take every step).

    Raises
    ------
    networkx.NodeNotFound
        If ``source`` is not in ``C``.

    Examples
    --------
    >>> C = nx.DiGraph()
    >>> C.add_nodes_from(["W01", "W02"], kind="why")
    >>> C.add_nodes_from(["T01", "T02"], kind="theme")
    >>> C.add_weighted_edges_from([("W01", "W02", 3), ("W02", "T01", 3), ("W01", "T02", 1)])
    >>> [(p["path"], p["probability"]) for p in causal_paths(C, "W01")]
    [(['W01', 'W02', 'T01'], 0.75), (['W01', 'T02'], 0.25)]
    """
    if source not in C:
        raise nx.NodeNotFound(f"cluster {source!r} is not in the causal graph")
    out_weight = {n: C.out_degree(n, weight=gs.WEIGHT) for n in C}
    found: list[dict] = []
    # Max-heap on probability via -log; extending a path never raises its probability, so the
    # first complete paths popped are the most probable ones.
    heap: list[tuple[float, list[str], float]] = [(0.0, [source], math.inf)]
    while heap and len(found) < limit:
        cost, path, narrowest = heapq.heappop(heap)
        node = path[-1]
        if len(path) > 1 and C.nodes[node].get(gs.KIND) == gs.THEME:
            found.append(
                {
                    "path": path,
                    "theme": node,
                    "probability": round(math.exp(-cost), 4),
                    "chains": int(narrowest),
                }
            )
            continue
        if len(path) > max_length or not out_weight[node]:
            continue
        for nxt, weight in C[node].items():
            w = weight.get(gs.WEIGHT, 1)
            if nxt in path or w <= 0:
                continue
            step = cost - math.log(w / out_weight[node])
            if math.exp(-step) >= min_probability:
                heapq.heappush(heap, (step, [*path, nxt], min(narrowest, w)))
    return found


def centrality(C: nx.DiGraph, method: str = "pagerank") -> dict[str, float]:
    """How central each cluster is to the corpus's causal chains.

    ``"pagerank"`` (default) follows chains by their weight, so the score collects where many
    chains lead: root themes fed by many symptoms score high. ``"betweenness"`` scores clusters
    that many shortest chain routes pass through (edge length ``1 / weight``, so well-trodden
    steps are short): the intermediate causes that connect symptoms to themes.

    Returns
    -------
    dict
        Node -> score, rounded to 6 places.

    Examples
    --------
    >>> C = nx.DiGraph()
    >>> C.add_weighted_edges_from([("W01", "W02", 3), ("W03", "W02", 1), ("W02", "T01", 4)])
    >>> scores = centrality(C, "betweenness")
    >>> max(scores, key=scores.get)
    'W02'
    >>> scores = centrality(C)
    >>> max(scores, key=scores.get)
    'T01'
    """
    if not len(C):
        return {}
    if method == "pagerank":
        scores = nx.pagerank(C, weight=gs.WEIGHT)
    elif method == "betweenness":
        H = nx.DiGraph()
        H.add_nodes_from(C)
        H.add_edges_from(
            (u, v, {"length": 1.0 / w}) for u, v, w in C.edges(data=gs.WEIGHT, default=1) if w > 0
        )
        scores = nx.betweenness_centrality(H, weight="length")
    else:
        raise ValueError(f"unknown centrality method {method!r}; expected pagerank or betweenness")
    return {n: round(float(s), 6) for n, s in scores.items()}
