"""The COE graph: COEs, their why chains, root causes, themes, actions, services and teams.

One directed graph over the whole corpus, in the schema of :mod:`analytics.graph_schema`::

    coe -first_why-> why -deepens-> why ... -leads_to-> root_cause -in_theme-> theme
    coe -has_root_cause-> root_cause
    coe -has_action-> action -in_family-> family
                      action -addresses-> why | root_cause     (when the action's text cites it)
                      action -remedies-> theme                 (the theme of the action's COE)
    coe -affects-> service      coe -owned_by-> team      coe -related-> coe

Why chains keep their branches: each why links to the whys whose ``parent`` it is, and every
leaf why (one no other why deepens) leads to each of the COE's root causes. A why whose parent
is not among the COE's whys is treated as a first why. ``related`` edges are added only for
cited COEs that are in the graph.

An action *addresses* a why or root cause when its title cites it by number, the way COE
documents do: "why 3", "whys 2 and 4", "(why #3a)" name why ids; "root cause 2", "RC2" name
the second root cause (the text counts from 1, the record from 0). Citations of whys or root
causes the COE does not have are ignored. Nothing is inferred from shared vocabulary: a wrong
edge would be worse than a missing one.

This graph is an export, derived from the store: it is built on demand from the records and an
analysis run, only by ``coe export graph`` (GraphML or JSON, for Gephi or Cytoscape), and no
analytic reads it. ``coe analyze`` does not build it; themes, scores, follow-through, precedent
search, lint and the report read the records and the run directly. The graph questions coegraph
asks (how why-steps lead to themes) go to a second, smaller graph derived the same way,
:func:`analytics.causal.causal_graph` (why-step clusters and themes, edges weighted by the
chains that take each step): the dashboard's causal graph page draws it, walking back from the
top themes along the heaviest incoming edges, and lists where a clicked cluster's chains lead;
:mod:`analytics.causal` also answers the most probable paths from a cluster to a theme, the
deepest recurring causes and centrality, which neither the CLI nor the dashboard calls yet.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

import networkx as nx

from analytics import graph_schema as gs
from analytics.analysis import Analysis
from analytics.record import COE, why_parents

FORMATS = ("graphml", "json")

_WHY_CITE = re.compile(
    r"\bwhys?\s*(?:#|no\.?\s*)?(\d+[a-z]?\b(?:\s*(?:,|&|and|/|or)\s*#?\d+[a-z]?\b)*)", re.I
)
_RC_CITE = re.compile(
    r"\b(?:root[\s-]causes?|rc)\s*(?:#|no\.?\s*)?(\d+\b(?:\s*(?:,|&|and|/|or)\s*#?\d+\b)*)",
    re.I,
)
_CITED_ID = re.compile(r"\d+[a-z]?", re.I)
# graphml has no list or null values; lists go out as JSON text and the names of the attributes
# so encoded ride along as a graph attribute, so that read_graph can decode them.
_JSON_ATTRS = "coegraph_json_attributes"


def build_graph(analysis: Analysis | None, coes: Sequence[COE]) -> nx.DiGraph:
    """Build the COE graph of a corpus (schema: :mod:`analytics.graph_schema`).

    Parameters
    ----------
    analysis
        The analysis run whose clusters become themes and families; ``None`` (or a run that
        predates some COEs) leaves those COEs' statements without cluster, theme or family.
    coes
        The COE records, e.g. ``analytics.store.load_coes(conn)``.

    Returns
    -------
    networkx.DiGraph
        A new graph; every node and edge has a ``kind`` attribute. Absent values (a COE
        without date, an unclustered statement) are absent attributes, not ``None``.

    Examples
    --------
    >>> from analytics.analysis import Analysis
    >>> from analytics.record import COE, Action, Why
    >>> coe = COE(
    ...     "C1", "Outage", services=("api",), team="core",
    ...     whys=(Why("1", None, None, "a timeout"), Why("2", "1", None, "no retry budget")),
    ...     root_causes=("no load test",), actions=(Action(None, "Add a retry budget (why 2)"),),
    ... )
    >>> G = build_graph(Analysis(0, "", {}, (), (), (), ()), [coe])
    >>> list(G.successors("why:C1#why1")), list(G.successors("why:C1#why2"))
    (['why:C1#why2'], ['rc:C1#rc0'])
    >>> [v for v in G.successors("action:C1#act0")]
    ['why:C1#why2']
    """
    statements = analysis.statement_by_id if analysis else {}
    coe_theme = analysis.coe_theme if analysis else {}
    # Nodes and edges are collected and inserted in bulk: one networkx call per item is most of
    # the cost at 10,000 COEs.
    nodes: list[tuple[str, dict]] = []
    edges: list[tuple[str, str, dict]] = []
    for clusters, kind, node in (
        (analysis.themes if analysis else (), gs.THEME, gs.theme_node),
        (analysis.families if analysis else (), gs.FAMILY, gs.family_node),
    ):
        for c in clusters:
            attrs = {
                gs.KIND: kind,
                gs.LABEL: c.label,
                gs.KEYWORDS: list(c.keywords),
                gs.REPRESENTATIVE: c.representative,
                gs.SIZE: len(c.statements),
                gs.COE_COUNT: len(c.coes),
            }
            nodes.append((node(c.id), attrs))
    ids = {c.id for c in coes}
    for coe in coes:
        _collect_coe(coe, coe_theme.get(coe.id), statements, ids, nodes, edges)
    G = nx.DiGraph()
    G.add_nodes_from(nodes)
    G.add_edges_from(edges)
    return G


def _collect_coe(
    coe: COE,
    theme: str | None,
    statements: dict,
    ids: set[str],
    nodes: list[tuple[str, dict]],
    edges: list[tuple[str, str, dict]],
) -> None:
    """Append one COE's nodes and edges."""

    def cluster_of(statement_id: str) -> str | None:
        s = statements.get(statement_id)
        return s.cluster if s is not None else None

    cn = gs.coe_node(coe.id)
    attrs = {
        gs.KIND: gs.COE,
        gs.LABEL: coe.title or coe.id,
        gs.TITLE: coe.title,
        gs.DATE: coe.date,
        gs.SEVERITY: coe.severity,
        gs.THEME_ID: theme,
    }
    nodes.append((cn, _present(attrs)))
    for service in coe.services:
        sn = gs.service_node(service)
        nodes.append((sn, {gs.KIND: gs.SERVICE, gs.LABEL: service}))
        edges.append((cn, sn, {gs.KIND: gs.AFFECTS}))
    if coe.team:
        tn = gs.team_node(coe.team)
        nodes.append((tn, {gs.KIND: gs.TEAM, gs.LABEL: coe.team}))
        edges.append((cn, tn, {gs.KIND: gs.OWNED_BY}))
    for other in coe.related:
        if other in ids and other != coe.id:
            edges.append((cn, gs.coe_node(other), {gs.KIND: gs.RELATED}))

    rc_nodes = [gs.root_cause_node(coe.id, i) for i in range(len(coe.root_causes))]
    for i, (node, text) in enumerate(zip(rc_nodes, coe.root_causes, strict=True)):
        attrs = {
            gs.KIND: gs.ROOT_CAUSE,
            gs.LABEL: _short(text),
            gs.TEXT: text,
            gs.COE_ID: coe.id,
            gs.REF: str(i),
        }
        edges.append((cn, node, {gs.KIND: gs.HAS_ROOT_CAUSE}))
        cluster = cluster_of(f"{coe.id}#rc{i}")
        if cluster:
            attrs[gs.CLUSTER] = cluster
            edges.append((node, gs.theme_node(cluster), {gs.KIND: gs.IN_THEME}))
        nodes.append((node, attrs))

    parent_of = why_parents(coe.whys)
    why_ids = set(parent_of)
    parents = set(parent_of.values())
    for why in coe.whys:
        node = gs.why_node(coe.id, why.id)
        text = why.answer or why.question or ""
        attrs = {
            gs.KIND: gs.WHY,
            gs.LABEL: _short(text),
            gs.TEXT: text,
            gs.COE_ID: coe.id,
            gs.REF: why.id,
        }
        if parent_of.get(why.id) is not None:
            attrs[gs.PARENT] = parent_of[why.id]
            edges.append((gs.why_node(coe.id, parent_of[why.id]), node, {gs.KIND: gs.DEEPENS}))
        else:
            edges.append((cn, node, {gs.KIND: gs.FIRST_WHY}))
        cluster = cluster_of(f"{coe.id}#why{why.id}")
        if cluster:
            attrs[gs.CLUSTER] = cluster
        nodes.append((node, attrs))
        if why.id not in parents:
            edges.extend((node, rc, {gs.KIND: gs.LEADS_TO}) for rc in rc_nodes)

    for i, action in enumerate(coe.actions):
        node = gs.action_node(coe.id, i)
        attrs = {
            gs.KIND: gs.ACTION,
            gs.LABEL: _short(action.title),
            gs.TEXT: action.title,
            gs.COE_ID: coe.id,
            gs.REF: str(i),
            gs.PRIORITY: action.priority,
            gs.OWNER: action.owner,
            gs.DUE: action.due,
            gs.STATUS: action.status,
            gs.CLUSTER: cluster_of(f"{coe.id}#act{i}"),
        }
        nodes.append((node, _present(attrs)))
        edges.append((cn, node, {gs.KIND: gs.HAS_ACTION}))
        if attrs[gs.CLUSTER]:
            edges.append((node, gs.family_node(attrs[gs.CLUSTER]), {gs.KIND: gs.IN_FAMILY}))
        if theme:
            edges.append((node, gs.theme_node(theme), {gs.KIND: gs.REMEDIES}))
        for kind, ref in cited(action.title, why_ids, len(coe.root_causes)):
            target = gs.why_node(coe.id, ref) if kind == gs.WHY else gs.root_cause_node(coe.id, ref)
            edges.append((node, target, {gs.KIND: gs.ADDRESSES}))


def cited(text: str, why_ids: set[str], n_root_causes: int) -> list[tuple[str, str | int]]:
    """The whys and root causes an action's text cites, as ``(kind, why id | root-cause index)``.

    Parameters
    ----------
    text
        The action title.
    why_ids
        The COE's why ids; citations of other ids are ignored.
    n_root_causes
        How many root causes the COE has; "root cause 2" is index 1.

    Examples
    --------
    >>> cited("Add alarms (whys 2 and 3a); fix RC1", {"1", "2", "3a"}, 1)
    [('why', '2'), ('why', '3a'), ('root_cause', 0)]
    >>> cited("Ask why 7 times", {"1", "2"}, 1)
    []
    """
    found: list[tuple[str, str | int]] = []
    lowered = {w.lower(): w for w in why_ids}
    for m in _WHY_CITE.finditer(text):
        for ref in _CITED_ID.findall(m.group(1)):
            if ref.lower() in lowered and (gs.WHY, lowered[ref.lower()]) not in found:
                found.append((gs.WHY, lowered[ref.lower()]))
    for m in _RC_CITE.finditer(text):
        for ref in _CITED_ID.findall(m.group(1)):
            index = int(ref) - 1
            if 0 <= index < n_root_causes and (gs.ROOT_CAUSE, index) not in found:
                found.append((gs.ROOT_CAUSE, index))
    return found


def export_graph(G: nx.Graph, path: str | os.PathLike, fmt: str = "graphml") -> Path:
    """Write a graph as GraphML or node-link JSON; returns the path written.

    GraphML has neither lists nor nulls: ``None`` attributes are left out and list or dict
    values are written as JSON text (their names recorded in a graph attribute, so that
    :func:`read_graph` restores them). JSON is :func:`networkx.node_link_data` with the key
    ``"edges"``, values as they are.

    Examples
    --------
    >>> import tempfile
    >>> G = nx.DiGraph([("coe:C1", "why:C1#why1")], name="demo")
    >>> G.nodes["coe:C1"]["keywords"] = ["tls", "cert"]
    >>> with tempfile.TemporaryDirectory() as d:
    ...     H = read_graph(export_graph(G, Path(d) / "g.graphml"))
    >>> H.nodes["coe:C1"]["keywords"], list(H.edges)
    (['tls', 'cert'], [('coe:C1', 'why:C1#why1')])
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")
    path = Path(path)
    if fmt == "json":
        data = nx.node_link_data(G, edges="edges")
        path.write_text(json.dumps(data, ensure_ascii=False, default=list), encoding="utf-8")
    else:
        nx.write_graphml(graphml_safe(G), path, encoding="utf-8")
    return path


def read_graph(path: str | os.PathLike, fmt: str | None = None) -> nx.Graph:
    """Read what :func:`export_graph` wrote (``fmt`` from the file suffix when ``None``)."""
    path = Path(path)
    fmt = fmt or ("json" if path.suffix.lower() == ".json" else "graphml")
    if fmt == "json":
        return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
    G = nx.read_graphml(path)
    encoded = set(filter(None, str(G.graph.pop(_JSON_ATTRS, "")).split(",")))
    for _, attrs in (*G.nodes(data=True), *((None, d) for *_, d in G.edges(data=True))):
        for key in encoded & attrs.keys():
            if isinstance(attrs[key], str) and attrs[key][:1] in "[{":
                attrs[key] = json.loads(attrs[key])
    return G


def graphml_safe(G: nx.Graph) -> nx.Graph:
    """A copy whose attribute values GraphML accepts: no ``None``, lists as JSON text.

    >>> H = graphml_safe(nx.DiGraph([(1, 2, {"w": None, "tags": ("a",)})]))
    >>> H.edges[1, 2], H.graph
    ({'tags': '["a"]'}, {'coegraph_json_attributes': 'tags'})
    """
    encoded: set[str] = set()

    def clean(attrs: dict) -> dict:
        out = {}
        for key, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, (list, tuple, dict, set)):
                encoded.add(key)
                value = json.dumps(sorted(value) if isinstance(value, set) else value)
            out[key] = value
        return out

    H = G.__class__()
    H.add_nodes_from((n, clean(d)) for n, d in G.nodes(data=True))
    if G.is_multigraph():
        H.add_edges_from((u, v, k, clean(d)) for u, v, k, d in G.edges(keys=True, data=True))
    else:
        H.add_edges_from((u, v, clean(d)) for u, v, d in G.edges(data=True))
    H.graph.update(clean(G.graph))
    if encoded:
        H.graph[_JSON_ATTRS] = ",".join(sorted(encoded))
    return H


def _present(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if v is not None}


def _short(text: str, width: int = 80) -> str:
    if len(text) <= width and "\n" not in text:
        return text
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
