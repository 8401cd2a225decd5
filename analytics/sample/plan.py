"""Plan a synthetic corpus: every fact of every COE, decided before any document is written.

A plan holds the label (what a correct parser should read back) and the presentation choices
(format, heading names, list styles). The renderers only lay the planned text out, so labels and
documents cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from analytics.sample.themes import (
    BLAME_TEMPLATES,
    FIRST_NAMES,
    LAST_NAMES,
    ONEOFF_GENERIC_FAMILIES,
    ONEOFF_STAGES,
    ONEOFFS,
    REVIEW_STAGE,
    SHALLOW_ROOTS,
    SYMPTOM_QUESTIONS,
    THEMES,
    VAGUE_ACTIONS,
    Family,
    OneOff,
    Theme,
)

START = dt.date(2024, 7, 1)
END = dt.date(2026, 6, 30)
# Status of actions is reported as of this day (the corpus is "read" just after its last COE).
AS_OF = dt.date(2026, 7, 1)

TEAM_SERVICES: dict[str, tuple[str, ...]] = {
    "payments-team": ("payments-api", "billing-service", "invoice-worker", "ledger-db"),
    "identity-team": ("auth-service", "session-store", "user-profile"),
    "storage-team": ("blob-store", "metadata-db", "backup-service"),
    "search-team": ("search-api", "indexer", "recommendation-service"),
    "edge-team": ("api-gateway", "cdn-edge", "dns-resolver", "load-balancer"),
    "data-platform-team": ("event-pipeline", "analytics-warehouse", "stream-processor"),
    "messaging-team": ("notification-service", "email-sender", "queue-broker"),
    "commerce-team": ("checkout-service", "cart-service", "inventory-service", "order-service"),
}
TEAMS: tuple[str, ...] = tuple(TEAM_SERVICES)
SERVICES: tuple[str, ...] = tuple(s for ss in TEAM_SERVICES.values() for s in ss)
SERVICE_TEAM: dict[str, str] = {s: t for t, ss in TEAM_SERVICES.items() for s in ss}
ROLE_OWNERS: tuple[str, ...] = (
    "sre-platform",
    "release-engineering",
    "security-engineering",
    "dba-oncall",
)
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-south-1")
TABLES = ("orders", "sessions", "invoices", "accounts", "events", "line_items", "shipments")
DEPS = (
    "grpc-java",
    "netty",
    "libcurl",
    "openssl",
    "jackson-databind",
    "requests",
    "protobuf",
    "envoy",
    "spring-boot",
    "pgbouncer",
)
FLAGS = ("new_checkout_flow", "enable_v2_storage", "async_writes", "smart_routing", "bulk_export")
SECRETS = (
    "the {svc} database password",
    "the API key that {svc2} uses",
    "the token signing key of {svc}",
    "the service account credential of {svc2}",
)

# Systemic theme weights and trends (density slope over the two years); leadership should see
# some themes growing and some fading.
THEME_WEIGHT = (1.6, 1.4, 1.3, 1.2, 1.2, 1.0, 1.0, 0.9, 0.8, 0.8, 0.7, 0.6)
THEME_TREND = (0.2, 1.2, -0.6, 0.8, 0.0, -1.0, 0.6, -0.3, 1.0, 0.3, -0.8, 0.5)

DEFECTS = (
    "too-few-whys",
    "shallow-root-cause",
    "names-individual",
    "impact-not-quantified",
    "action-missing-owner",
    "action-missing-priority",
    "action-missing-due",
    "action-not-specific",
    "missing-section",
)
DEFECT_RATE = 0.15
ONEOFF_RATE = 0.12
VAGUE_FAMILY = Family("vague-intent", "Non-specific intention", VAGUE_ACTIONS)

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass
class Plan:
    """Everything about one COE; ``label`` is the ground truth written to labels.json."""

    theme_id: str
    date: dt.date
    ctx: dict[str, str]
    fmt: str = "md"
    label: dict[str, Any] = field(default_factory=dict)
    # Presentation choices and extra planned content for the renderers.
    style: dict[str, Any] = field(default_factory=dict)
    seq_key: int = 0


def written_date(day: dt.date, rng: random.Random) -> str:
    """``day`` in one of the forms people write dates in (label keeps ISO)."""
    form = rng.random()
    if form < 0.6:
        return day.isoformat()
    if form < 0.85:
        return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def cap(text: str) -> str:
    """Upper-case the first letter unless the text starts with an identifier (a service name)."""
    first = text.split(" ", 1)[0].rstrip(",.;:")
    if not text or not text[0].islower() or first in SERVICES or any(c in first for c in "._{"):
        return text
    return text[0].upper() + text[1:]


def fill(template: str, ctx: dict[str, str]) -> str:
    """Fill a catalogue ``template`` with one COE's context (service, host, region, ...).

    >>> fill("the cert for {host} expired", {"host": "api.example.com"})
    'the cert for api.example.com expired'
    """
    return template.format_map(ctx)


def _pick_date(rng: random.Random, trend: float) -> dt.date:
    span = (END - START).days
    while True:
        x = rng.random()
        # Rejection sampling from a linear density 1 + trend * (x - 0.5).
        if rng.random() * (1 + abs(trend) / 2) <= 1 + trend * (x - 0.5):
            return START + dt.timedelta(days=int(x * (span + 1)))


def draw_context(rng: random.Random, svc: str, team: str) -> dict[str, str]:
    """Draw the placeholder values of one incident around its primary service.

    Parameters
    ----------
    rng : random.Random
        The generator's single source of randomness.
    svc, team : str
        Primary service and owning team.

    Returns
    -------
    dict
        Values for every ``{placeholder}`` used in ``themes`` (svc2, host, region, ...).
    """
    svc2 = rng.choice([s for s in SERVICES if s != svc])
    region = rng.choice(REGIONS)
    host = rng.choice(
        (f"api.{svc}.example.com", f"{svc}.{region}.internal", f"{svc}-lb.prod.example.net")
    )
    major = rng.randint(1, 9)
    minor = rng.randint(0, 30)
    ctx = {
        "svc": svc,
        "svc2": svc2,
        "team": team,
        "region": region,
        "host": host,
        "n": str(rng.randint(3, 12)),
        "days": str(rng.choice((7, 10, 14, 21, 30))),
        "table": rng.choice(TABLES),
        "dep": rng.choice(DEPS),
        "ver_old": f"{major}.{minor}.{rng.randint(0, 9)}",
        "ver_new": f"{major}.{minor + 1}.0",
        "flag": rng.choice(FLAGS),
        "record": rng.choice((f"{svc}.example.com", f"api.{svc}.example.com")),
        "ttl_old": str(rng.choice((3600, 14400, 86400))),
        "ttl_new": str(rng.choice((60, 300))),
        "rows": f"{rng.randint(20, 900)} million",
    }
    ctx["secret"] = fill(rng.choice(SECRETS), ctx)
    return ctx


def _owner(rng: random.Random, team: str) -> str:
    short = team.removesuffix("-team")
    r = rng.random()
    if r < 0.5:
        return team
    if r < 0.75:
        return f"@{short}-oncall"
    if r < 0.9:
        return f"{short} SDM"
    return rng.choice(ROLE_OWNERS)


def _status(rng: random.Random, due: dt.date) -> str:
    r = rng.random()
    if due < AS_OF:
        return "done" if r < 0.65 else ("in-progress" if r < 0.85 else "open")
    return "open" if r < 0.5 else ("in-progress" if r < 0.9 else "done")


def plan_corpus(n: int, rng: random.Random) -> tuple[list[Plan], dict[str, Family]]:
    """Decide the theme, date and content of ``n`` COEs; return them in date order.

    Returns the plans and every action family used, keyed by family id.
    """
    n_oneoff = min(round(n * ONEOFF_RATE), len(ONEOFFS))
    oneoff_order = list(range(len(ONEOFFS)))
    rng.shuffle(oneoff_order)
    kinds = ["oneoff"] * n_oneoff + ["systemic"] * (n - n_oneoff)
    rng.shuffle(kinds)

    families: dict[str, Family] = {}
    plans: list[Plan] = []
    next_oneoff = 0
    for i, kind in enumerate(kinds):
        if kind == "oneoff":
            idx = oneoff_order[next_oneoff]
            next_oneoff += 1
            plan = _plan_oneoff(rng, idx, ONEOFFS[idx], families)
        else:
            t = rng.choices(range(len(THEMES)), weights=THEME_WEIGHT)[0]
            plan = _plan_systemic(rng, THEMES[t], THEME_TREND[t], families)
        plan.seq_key = i
        plans.append(plan)
    plans.sort(key=lambda p: (p.date, p.seq_key))
    _assign_ids(plans)
    _link_related(plans, rng)
    _mark_repeats(plans)
    return plans, families


def _base(rng: random.Random, theme_id: str, date: dt.date) -> Plan:
    svc = rng.choice(SERVICES)
    team = SERVICE_TEAM[svc] if rng.random() < 0.8 else rng.choice(TEAMS)
    ctx = draw_context(rng, svc, team)
    plan = Plan(theme_id=theme_id, date=date, ctx=ctx)
    r = rng.random()
    plan.fmt = "md" if r < 0.75 else "txt" if r < 0.85 else "json" if r < 0.93 else "yaml"
    services = [svc] + ([ctx["svc2"]] if rng.random() < 0.3 else [])
    severity = rng.choices(("Sev1", "Sev2", "Sev3", "Sev4"), weights=(8, 25, 42, 25))[0]
    plan.label = {
        "file": "",
        "theme": theme_id,
        "title": "",
        "services": services,
        "team": team,
        "severity": severity,
        "date": date.isoformat(),
        "impact": {},
        "whys": [],
        "root_causes": [],
        "actions": [],
        "related": [],
        "defects": [],
        "named_people": [],
        "repeat_despite_action": False,
    }
    _choose_defects(rng, plan)
    return plan


def _choose_defects(rng: random.Random, plan: Plan) -> None:
    if rng.random() >= DEFECT_RATE:
        return
    first = rng.choice(DEFECTS)
    chosen = [first]
    if rng.random() < 0.1:
        second = rng.choice(DEFECTS)
        action_rules = [d for d in DEFECTS if d.startswith("action-")]
        clash = second == first or (
            "missing-section" in (first, second)
            and (first in action_rules or second in action_rules)
        )
        if not clash:
            chosen.append(second)
    plan.label["defects"] = sorted(chosen)
    if "missing-section" in chosen:
        plan.style["missing"] = rng.choice(("actions", "timeline"))


def _chain_length(rng: random.Random, plan: Plan) -> int:
    if "too-few-whys" in plan.label["defects"]:
        return rng.choice((3, 4))
    return rng.choices((5, 6, 7), weights=(45, 30, 25))[0]


def _plan_systemic(
    rng: random.Random, theme: Theme, trend: float, families: dict[str, Family]
) -> Plan:
    plan = _base(rng, theme.id, _pick_date(rng, trend))
    ctx = plan.ctx
    length = _chain_length(rng, plan)
    middle = list(theme.stages[1:])
    stages = [theme.stages[0]]
    if length == 7:
        stages += middle + [REVIEW_STAGE]
    else:
        keep = sorted(rng.sample(range(len(middle)), length - 2))
        stages += [middle[k] for k in keep]
    answers = [fill(rng.choice(s.answers), ctx) for s in stages]
    root_idx = rng.randrange(len(theme.roots))
    answers.append(fill(theme.roots[root_idx], ctx))
    # A second leaf for branched chains: another phrasing of the last deepening step.
    last = stages[-1]
    alt = fill(rng.choice(theme.stages[-1].answers), ctx)
    plan.style["branch_alt"] = alt if alt not in answers else None
    plan.style["branch_ask"] = fill(rng.choice(last.asks), ctx)
    questions = [fill(rng.choice(SYMPTOM_QUESTIONS), ctx)]
    questions += [fill(rng.choice(s.asks), ctx) for s in stages]
    title = rng.choice(theme.titles)
    plan.label["title"] = fill(title, ctx)
    if "{svc2}" in title and ctx["svc2"] not in plan.label["services"]:
        plan.label["services"].append(ctx["svc2"])

    # Root-cause statements: a different phrasing of the mechanism from the one in the chain.
    other = [i for i in range(len(theme.roots)) if i != root_idx]
    mech = fill(theme.roots[rng.choice(other)], ctx)
    proximate = answers[0]
    form = rng.random()
    if form < 0.45:
        statements = [cap(mech) + "."]
    elif form < 0.75:
        statements = [cap(proximate) + ", because " + mech + "."]
    else:
        statements = [cap(proximate) + ".", cap(mech) + "."]
    if len(statements) == 1 and rng.random() < 0.3:
        statements.append(cap(fill(rng.choice(rng.choice(middle).answers), ctx)) + ".")

    fams = rng.sample(list(theme.families), rng.choice((2, 2, 3)))
    if rng.random() < 0.25:
        fams.append(rng.choice(ONEOFF_GENERIC_FAMILIES))
    plan.style["mitigation"] = fill(rng.choice(theme.mitigations), ctx)
    _finish(rng, plan, questions, answers, statements, fams, families)
    return plan


def _plan_oneoff(rng: random.Random, idx: int, oneoff: OneOff, families: dict[str, Family]) -> Plan:
    theme_id = f"oneoff-{idx + 1:03d}"
    plan = _base(rng, theme_id, _pick_date(rng, 0.0))
    ctx = plan.ctx
    length = _chain_length(rng, plan)
    pool = list(ONEOFF_STAGES) + [REVIEW_STAGE]
    stages = [pool[k] for k in sorted(rng.sample(range(len(pool)), min(length - 2, len(pool))))]
    while len(stages) < length - 2:
        stages.append(REVIEW_STAGE)
    proximate = fill(oneoff.proximate, ctx)
    answers = [proximate] + [fill(rng.choice(s.answers), ctx) for s in stages]
    root = fill(oneoff.root, ctx)
    answers.append(root)
    # A one-off chain asks about the proximate fact first, then follows the shared steps.
    # The last question turns from the process gaps back to the technical mechanism.
    last_ask = rng.choice(
        ("Why did the failure occur in the first place?", "Why did the condition arise at all?")
    )
    asks = ["Why did this happen?"] + [fill(rng.choice(s.asks), ctx) for s in stages[:-1]]
    asks.append(last_ask)
    questions = [fill(rng.choice(SYMPTOM_QUESTIONS), ctx)] + asks
    plan.style["branch_alt"] = None
    plan.style["branch_ask"] = None
    plan.label["title"] = fill(oneoff.title, ctx)
    if "{svc2}" in oneoff.title and ctx["svc2"] not in plan.label["services"]:
        plan.label["services"].append(ctx["svc2"])
    statements = [cap(proximate) + ", because " + root + "."]
    own = Family(f"{theme_id}-fix", f"Fix for {theme_id}", (oneoff.action,))
    fams = [own, rng.choice(ONEOFF_GENERIC_FAMILIES)]
    plan.style["mitigation"] = f"applied a targeted fix to {ctx['svc']}"
    _finish(rng, plan, questions, answers, statements, fams, families)
    return plan


def _finish(
    rng: random.Random,
    plan: Plan,
    questions: list[str],
    answers: list[str],
    statements: list[str],
    fams: list[Family],
    families: dict[str, Family],
) -> None:
    """Apply defects, then fix the written form of whys and actions for the chosen styles."""
    label, ctx, defects = plan.label, plan.ctx, plan.label["defects"]
    if "shallow-root-cause" in defects:
        shallow = rng.choice(SHALLOW_ROOTS)
        answers[-1] = shallow
        statements = [cap(shallow) + "."]
        plan.style["branch_alt"] = None
    if "names-individual" in defects:
        person = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        label["named_people"] = [person]
        spot = rng.randrange(1, len(answers) - 1)
        answers[spot] = fill(rng.choice(BLAME_TEMPLATES), {**ctx, "person": person})
        plan.style["blame_timeline"] = rng.random() < 0.5
    _impact(rng, plan)
    _timeline(rng, plan)
    _whys(rng, plan, questions, answers)
    label["root_causes"] = statements

    if plan.style.get("missing") != "actions":
        actions = []
        for fam in fams:
            families[fam.id] = fam
            due = plan.date + dt.timedelta(days=rng.randint(14, 120))
            actions.append(
                {
                    "id": None,
                    "title": fill(rng.choice(fam.phrasings), ctx),
                    "priority": rng.choices(("P0", "P1", "P2", "P3"), weights=(5, 35, 40, 20))[0],
                    "owner": _owner(rng, label["team"]),
                    "due": due.isoformat(),
                    "status": _status(rng, due),
                    "family": fam.id,
                }
            )
        for rule, key in (
            ("action-missing-owner", "owner"),
            ("action-missing-priority", "priority"),
            ("action-missing-due", "due"),
        ):
            if rule in defects:
                rng.choice(actions)[key] = None
        if "action-not-specific" in defects:
            families[VAGUE_FAMILY.id] = VAGUE_FAMILY
            vague = rng.choice(actions)
            vague["title"] = fill(rng.choice(VAGUE_ACTIONS), ctx)
            vague["family"] = VAGUE_FAMILY.id
        label["actions"] = actions
    _action_styles(rng, plan)


def _impact(rng: random.Random, plan: Plan) -> None:
    ctx = plan.ctx
    if "impact-not-quantified" in plan.label["defects"]:
        plan.label["impact"] = {
            "duration_minutes": None,
            "customers_affected": None,
            "requests_failed_pct": None,
        }
        plan.style["impact_text"] = fill(
            rng.choice(
                (
                    "Some customers saw errors when using {svc} for a while.",
                    "Customers were impacted. The exact extent is still being analysed.",
                    "Requests to {svc} failed intermittently and several customers complained.",
                    "A number of customers could not complete requests through {svc}.",
                )
            ),
            ctx,
        )
        plan.style["metrics"] = None
        return
    severity = int(plan.label["severity"][-1])
    duration = rng.randint(8, 60) * (5 - severity) + rng.randint(0, 30)
    customers = rng.randint(20, 4000) * (5 - severity) ** 2
    pct = round(rng.uniform(0.5, 12.0) * (5 - severity), 1)
    pct = min(pct, 100.0)
    plan.label["impact"] = {
        "duration_minutes": duration,
        "customers_affected": customers,
        "requests_failed_pct": pct,
    }
    detect = max(2, round(duration * rng.uniform(0.05, 0.4)))
    mitigate = max(detect + 1, round(duration * rng.uniform(0.5, 0.9)))
    plan.style["metrics"] = (detect, mitigate, duration)
    values = {**ctx, "dur": str(duration), "cust": f"{customers:,}", "pct": f"{pct:g}"}
    plan.style["impact_text"] = fill(
        rng.choice(
            (
                "For {dur} minutes, {pct}% of requests to {svc} failed. About {cust} customers"
                " were affected.",
                "{cust} customers in {region} saw errors; {pct}% of {svc} requests failed over"
                " {dur} minutes.",
                "Duration: {dur} minutes. Customers affected: {cust}. Failed requests: {pct}%.",
                "The event lasted {dur} minutes. {pct}% of calls failed and {cust} customers were"
                " affected.",
            )
        ),
        values,
    )


def _timeline(rng: random.Random, plan: Plan) -> None:
    ctx = plan.ctx
    start = dt.datetime.combine(plan.date, dt.time(rng.randint(0, 21), rng.randint(0, 59)))
    metrics = plan.style["metrics"] or (rng.randint(5, 40), rng.randint(41, 90), 120)
    detect, mitigate, resolve = metrics
    pager = rng.choice(("the error-rate alarm", "a customer report", "the synthetic canary"))
    events = [
        (start, f"{ctx['svc']} begins returning errors"),
        (start + dt.timedelta(minutes=detect), f"{cap(pager)} alerts the {ctx['team']} on-call"),
        (
            start + dt.timedelta(minutes=detect + 3),
            f"On-call acknowledges and opens an incident for {ctx['svc']}",
        ),
        (start + dt.timedelta(minutes=mitigate), "Mitigation: " + plan.style["mitigation"]),
        (start + dt.timedelta(minutes=resolve), "Error rates back to baseline; incident resolved"),
    ]
    if plan.style.get("blame_timeline"):
        person = plan.label["named_people"][0]
        events.insert(3, (events[2][0] + dt.timedelta(minutes=1), f"{person} starts the rollback"))
    plan.style["timeline"] = events
    plan.style["pager"] = pager


def _whys(rng: random.Random, plan: Plan, questions: list[str], answers: list[str]) -> None:
    """Choose the why-chain layout and write the label whys exactly as they will appear."""
    fmt = plan.fmt
    if fmt == "md":
        style = rng.choices(("numbered", "qa", "whyn", "table", "nested"), (35, 20, 15, 20, 10))[0]
    elif fmt == "txt":
        style = rng.choice(("numbered", "qa", "whyn"))
    else:
        style = "structured"
    plan.style["why_style"] = style
    branch_ok = style in ("whyn", "table", "structured") or (fmt == "txt" and style == "numbered")
    branch = (
        branch_ok
        and plan.style.get("branch_alt") is not None
        and "too-few-whys" not in plan.label["defects"]
        and rng.random() < 0.25
    )
    with_q = style != "whyn" and not (style == "structured" and rng.random() < 0.2)
    because = style in ("numbered", "nested")
    whys = []
    n = len(answers)
    for i, (q, a) in enumerate(zip(questions, answers, strict=True)):
        wid = str(i + 1)
        written = (a if because else cap(a)) + "."
        whys.append(
            {
                "id": wid,
                "parent": str(i) if i else None,
                "question": q if with_q else None,
                "answer": written,
            }
        )
    if branch:
        alt = plan.style["branch_alt"]
        parent = whys[-1]["parent"]
        whys[-1]["id"] = f"{n}a"
        whys.append(
            {
                "id": f"{n}b",
                "parent": parent,
                "question": plan.style["branch_ask"] if with_q else None,
                "answer": (alt if because else cap(alt)) + ".",
            }
        )
    plan.label["whys"] = whys


def _action_styles(rng: random.Random, plan: Plan) -> None:
    fmt = plan.fmt
    if fmt == "md":
        style = rng.choices(("paren", "bracket", "numbered", "table"), (35, 15, 20, 30))[0]
    elif fmt == "txt":
        style = rng.choice(("paren", "numbered"))
    else:
        style = "structured"
    plan.style["action_style"] = style
    written = []
    for k, act in enumerate(plan.label["actions"]):
        if style in ("table", "structured"):
            act["id"] = f"AI-{k + 1}" if style == "table" else f"A{k + 1}"
        prio = act["priority"]
        if prio is not None and rng.random() < 0.3:
            prio = {"P0": "Critical", "P1": "High", "P2": "Medium", "P3": "Low"}[prio]
        due = act["due"]
        if due is not None and style != "structured":
            due = written_date(dt.date.fromisoformat(due), rng)
        status = act["status"]
        show_status = style in ("table", "structured") or rng.random() < 0.7
        if not show_status:
            act["status"] = None
        elif style != "structured":
            status = rng.choice(
                {
                    "open": ("open", "Open"),
                    "in-progress": ("in progress", "In progress", "in-progress"),
                    "done": ("done", "Done"),
                }[status]
            )
        written.append({"prio": prio, "due": due, "status": status if show_status else None})
    plan.style["actions_written"] = written


def _assign_ids(plans: list[Plan]) -> None:
    per_year: dict[int, int] = {}
    for plan in plans:
        per_year[plan.date.year] = per_year.get(plan.date.year, 0) + 1
    width = max(4, len(str(max(per_year.values(), default=1))))
    seq: dict[int, int] = {}
    for plan in plans:
        year = plan.date.year
        seq[year] = seq.get(year, 0) + 1
        plan.label["id"] = f"COE-{year}-{seq[year]:0{width}d}"


def _link_related(plans: list[Plan], rng: random.Random) -> None:
    seen: dict[str, list[str]] = {}
    for plan in plans:
        earlier = seen.setdefault(plan.theme_id, [])
        if earlier and not plan.theme_id.startswith("oneoff") and rng.random() < 0.3:
            k = min(len(earlier), rng.choice((1, 1, 2)))
            plan.label["related"] = earlier[-k:][::-1]
        earlier.append(plan.label["id"])


def _mark_repeats(plans: list[Plan]) -> None:
    """Label ``repeat_despite_action``.

    A COE repeats despite action iff an earlier COE of the same theme (incident date strictly
    before this COE's date) promised an action whose due date is on or before this COE's date,
    i.e. the fix was due and the mechanism still recurred. Actions without a due date do not
    count; one-off themes never repeat.
    """
    earliest_due: dict[str, str] = {}
    pending: list[Plan] = []
    for plan in plans:
        # Flush COEs from earlier days: only strictly earlier incidents count.
        while pending and pending[0].date < plan.date:
            done = pending.pop(0)
            dues = [a["due"] for a in done.label["actions"] if a["due"]]
            if dues:
                cur = earliest_due.get(done.theme_id)
                best = min(dues)
                earliest_due[done.theme_id] = best if cur is None else min(cur, best)
        due = earliest_due.get(plan.theme_id)
        plan.label["repeat_despite_action"] = due is not None and due <= plan.label["date"]
        pending.append(plan)
