"""The one graph schema: node kinds, node ids, attribute names and edge kinds.

Every graph module (:mod:`analytics.graph`, :mod:`analytics.causal`) and every consumer (the
dashboard, exports) names nodes, attributes and edges through these constants, so a rename
happens here and nowhere else.

Node ids are stable across runs because they are built from the COE's own id and the statement
ids of :mod:`analytics.analysis` (``f"{coe}#why{why.id}"`` ...), never from positions in a run:

==============  =================================  ==========================================
kind            id                                 example
==============  =================================  ==========================================
``coe``         ``coe:<COE id>``                   ``coe:COE-2025-0001``
``why``         ``why:<COE id>#why<why id>``       ``why:COE-2025-0001#why3``
``root_cause``  ``rc:<COE id>#rc<index>``          ``rc:COE-2025-0001#rc0``
``theme``       ``theme:<cluster id>``             ``theme:T01``
``action``      ``action:<COE id>#act<index>``     ``action:COE-2025-0001#act0``
``family``      ``family:<cluster id>``            ``family:A03``
``service``     ``service:<name>``                 ``service:payments-api``
``team``        ``team:<name>``                    ``team:storage``
==============  =================================  ==========================================

Theme ids in the theme-level causal graph of :mod:`analytics.causal` are the bare cluster ids
(``T01``, ``W04``): that graph holds clusters only, so there is nothing to tell apart.
"""

from __future__ import annotations

# Node kinds (value of the KIND attribute on every node).
COE = "coe"
WHY = "why"
ROOT_CAUSE = "root_cause"
THEME = "theme"
ACTION = "action"
FAMILY = "family"
SERVICE = "service"
TEAM = "team"
NODE_KINDS = (COE, WHY, ROOT_CAUSE, THEME, ACTION, FAMILY, SERVICE, TEAM)

# Node attribute names.
KIND = "kind"  # every node and every edge
LABEL = "label"  # every node: a short human-readable name
TEXT = "text"  # why, root_cause, action: the statement as written
COE_ID = "coe"  # why, root_cause, action: the COE the statement belongs to
REF = "ref"  # why: the why id ("3a"); root_cause, action: the index in the COE record
CLUSTER = "cluster"  # why, root_cause, action: the cluster id ("W04", "T01", "A03") or absent
PARENT = "parent"  # why: the id of the why it deepens, absent for a first why
TITLE = "title"  # coe
DATE = "date"  # coe: "YYYY-MM-DD"
SEVERITY = "severity"  # coe
THEME_ID = "theme"  # coe: the COE's theme id
PRIORITY = "priority"  # action
OWNER = "owner"  # action
DUE = "due"  # action: "YYYY-MM-DD"
STATUS = "status"  # action
KEYWORDS = "keywords"  # theme, family: a list of words
REPRESENTATIVE = "representative"  # theme, family: the member statement nearest the centre
SIZE = "size"  # theme, family: statements in the cluster
COE_COUNT = "coe_count"  # theme, family (and causal-graph nodes): distinct COEs
DEPTH = "depth"  # causal-graph nodes: mean position in the why chain (first why = 1)

# Edge attribute names.
WEIGHT = "weight"  # causal-graph edges: number of chains from one cluster to the other

# Edge kinds (value of the KIND attribute on every edge of the COE graph), source -> target.
FIRST_WHY = "first_why"  # coe -> a why without parent
DEEPENS = "deepens"  # why -> the why that asks why of its answer (parent -> child)
LEADS_TO = "leads_to"  # leaf why -> each root cause of its COE
HAS_ROOT_CAUSE = "has_root_cause"  # coe -> root cause (also for COEs without whys)
IN_THEME = "in_theme"  # root cause -> theme
HAS_ACTION = "has_action"  # coe -> action
IN_FAMILY = "in_family"  # action -> family
ADDRESSES = "addresses"  # action -> the why or root cause its text cites
REMEDIES = "remedies"  # action -> the theme of its COE
AFFECTS = "affects"  # coe -> service
OWNED_BY = "owned_by"  # coe -> team
RELATED = "related"  # coe -> a COE it cites (only when that COE is in the graph)
EDGE_KINDS = (
    FIRST_WHY,
    DEEPENS,
    LEADS_TO,
    HAS_ROOT_CAUSE,
    IN_THEME,
    HAS_ACTION,
    IN_FAMILY,
    ADDRESSES,
    REMEDIES,
    AFFECTS,
    OWNED_BY,
    RELATED,
)

_PREFIX = {
    COE: "coe:",
    WHY: "why:",
    ROOT_CAUSE: "rc:",
    THEME: "theme:",
    ACTION: "action:",
    FAMILY: "family:",
    SERVICE: "service:",
    TEAM: "team:",
}


def coe_node(coe_id: str) -> str:
    """``coe_node("COE-1")`` -> ``'coe:COE-1'``.

    >>> coe_node("COE-2025-0001")
    'coe:COE-2025-0001'
    """
    return f"coe:{coe_id}"


def why_node(coe_id: str, why_id: str) -> str:
    """The node of one why-step.

    >>> why_node("COE-2025-0001", "3a")
    'why:COE-2025-0001#why3a'
    """
    return f"why:{coe_id}#why{why_id}"


def root_cause_node(coe_id: str, index: int) -> str:
    """The node of a COE's ``index``-th root cause (0-based, as in the record).

    >>> root_cause_node("COE-2025-0001", 0)
    'rc:COE-2025-0001#rc0'
    """
    return f"rc:{coe_id}#rc{index}"


def action_node(coe_id: str, index: int) -> str:
    """The node of a COE's ``index``-th action (0-based, as in the record).

    >>> action_node("COE-2025-0001", 2)
    'action:COE-2025-0001#act2'
    """
    return f"action:{coe_id}#act{index}"


def theme_node(cluster_id: str) -> str:
    """The node of a theme (root-cause cluster).

    >>> theme_node("T01")
    'theme:T01'
    """
    return f"theme:{cluster_id}"


def family_node(cluster_id: str) -> str:
    """The node of an action family.

    >>> family_node("A03")
    'family:A03'
    """
    return f"family:{cluster_id}"


def service_node(name: str) -> str:
    """The node of a service.

    >>> service_node("payments-api")
    'service:payments-api'
    """
    return f"service:{name}"


def team_node(name: str) -> str:
    """The node of a team.

    >>> team_node("storage")
    'team:storage'
    """
    return f"team:{name}"


def node_kind(node: str) -> str:
    """The kind a node id names, from its prefix.

    >>> node_kind("why:COE-1#why2")
    'why'
    """
    prefix = node.split(":", 1)[0] + ":"
    for kind, p in _PREFIX.items():
        if p == prefix:
            return kind
    raise ValueError(f"not a coegraph node id: {node!r}")


def unprefixed(node: str) -> str:
    """The id without its kind prefix: a COE id, statement id, cluster id or name.

    >>> unprefixed("rc:COE-1#rc0")
    'COE-1#rc0'
    """
    return node.split(":", 1)[1]
