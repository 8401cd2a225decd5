"""The bar-raiser linter: one behaviour per test on literal COE records."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from analytics.lint import RULES, Finding, find_person_names, lint_coe
from analytics.lint.rules import why_depth
from analytics.lint.specificity import vague_reason
from analytics.record import COE, Action, Impact, TimelineEvent, Why

CHAIN = (
    ("Why did checkout fail?", "payments-api returned 500s for every request."),
    ("Why did payments-api return 500s?", "Its database connection pool was exhausted."),
    ("Why was the pool exhausted?", "A config push lowered max_connections from 200 to 20."),
    ("Why was the lower value pushed?", "The config change was copied from the staging file."),
    (
        "Why did the copied value reach production?",
        "The deploy pipeline has no validation step comparing config limits between environments.",
    ),
)


def clean_coe(**changes: object) -> COE:
    """A COE that passes every rule; tests change one part of it."""
    coe = COE(
        id="COE-2025-001",
        title="Checkout errors after a payments-api config push",
        services=("payments-api", "checkout"),
        team="payments",
        severity="Sev2",
        date="2025-03-04",
        impact=Impact(
            summary="For 42 minutes 18% of checkout requests failed; 3,100 customers saw errors.",
            duration_minutes=42,
            customers_affected=3100,
            requests_failed_pct=18.0,
        ),
        timeline=(
            TimelineEvent("2025-03-04T10:02:00Z", "Config push to payments-api started"),
            TimelineEvent("2025-03-04T10:09:00Z", "Alarm on checkout 5xx rate fired"),
            TimelineEvent("2025-03-04T10:44:00Z", "Config rolled back, errors stopped"),
        ),
        whys=tuple(
            Why(str(i), str(i - 1) if i > 1 else None, q, a) for i, (q, a) in enumerate(CHAIN, 1)
        ),
        root_causes=(CHAIN[-1][1],),
        actions=(
            Action(
                "A1",
                "Add a pipeline check that rejects config pushes lowering max_connections by >50%",
                priority="P1",
                owner="payments",
                due="2025-04-01",
                status="open",
            ),
            Action(
                "A2",
                "Alarm on connection pool saturation above 80% for payments-api",
                priority="P2",
                owner="payments-oncall",
                due="2025-04-15",
                status="open",
            ),
        ),
    )
    return dataclasses.replace(coe, **changes)


def rules_of(findings: list[Finding]) -> list[str]:
    return [f.rule for f in findings]


# ------------------------------------------------------------------------- API


def test_clean_coe_has_no_findings() -> None:
    assert lint_coe(clean_coe()) == []


def test_finding_to_dict_round_trips_fields() -> None:
    item = Finding("too-few-whys", "error", "3 whys", 7)
    assert item.to_dict() == {
        "rule": "too-few-whys",
        "severity": "error",
        "message": "3 whys",
        "line": 7,
    }


def test_rules_cover_every_defect_label_once() -> None:
    ids = [spec.id for spec in RULES]
    assert len(ids) == len(set(ids))
    assert set(ids) == {
        "too-few-whys",
        "shallow-root-cause",
        "names-individual",
        "impact-not-quantified",
        "action-missing-owner",
        "action-missing-priority",
        "action-missing-due",
        "action-not-specific",
        "missing-section",
    }


def test_findings_use_the_rule_severity() -> None:
    severity = {spec.id: spec.severity for spec in RULES}
    coe = clean_coe(whys=clean_coe().whys[:2], actions=(Action(None, "Be more careful"),))
    findings = lint_coe(coe)
    assert findings
    assert all(f.severity == severity[f.rule] for f in findings)


def test_errors_are_listed_before_warnings() -> None:
    coe = clean_coe(whys=clean_coe().whys[:2], actions=(Action(None, "Be more careful"),))
    severities = [f.severity for f in lint_coe(coe)]
    assert severities == sorted(severities, key=lambda s: s != "error")


# ------------------------------------------------------------------------- too-few-whys


def test_three_whys_is_too_few() -> None:
    findings = lint_coe(clean_coe(whys=clean_coe().whys[:3]))
    assert rules_of(findings) == ["too-few-whys"]
    assert "3 whys" in findings[0].message


def test_why_depth_counts_the_longest_branch_not_all_nodes() -> None:
    whys = (
        Why("1", None, None, "a"),
        Why("2", "1", None, "b"),
        Why("3a", "2", None, "c"),
        Why("3b", "2", None, "d"),
        Why("3c", "2", None, "e"),
        Why("3d", "2", None, "f"),
    )
    assert why_depth(whys) == 3


def test_six_broad_whys_three_deep_are_too_few() -> None:
    whys = (
        Why("1", None, None, "checkout failed"),
        Why("2", "1", None, "payments-api failed"),
        Why("3a", "2", None, "no validation step in the pipeline"),
        Why("3b", "2", None, "no alarm on pool saturation"),
        Why("3c", "2", None, "no canary stage"),
        Why("3d", "2", None, "no load test of config changes"),
    )
    assert "too-few-whys" in rules_of(lint_coe(clean_coe(whys=whys)))


def test_why_depth_survives_a_parent_cycle() -> None:
    whys = (Why("1", "2", None, "a"), Why("2", "1", None, "b"))
    assert why_depth(whys) == 2


def test_no_whys_is_a_missing_section_not_too_few() -> None:
    findings = lint_coe(clean_coe(whys=()))
    assert rules_of(findings) == ["missing-section"]
    assert "whys" in findings[0].message


def test_too_few_whys_points_at_the_first_why_line() -> None:
    raw = "# Checkout errors\n\n## Five whys\n\n1. Why did checkout fail? payments-api 500s\n"
    findings = lint_coe(clean_coe(whys=clean_coe().whys[:1]), raw)
    assert findings[0].rule == "too-few-whys"
    assert findings[0].line == 5


# ------------------------------------------------------------------------- shallow-root-cause


@pytest.mark.parametrize(
    "leaf",
    [
        "Human error.",
        "It was operator error during the manual failover.",
        "The engineer made a mistake in the config file.",
        "Someone forgot to renew the certificate.",
        "There was a bug in the code.",
        "A software bug in the retry loop.",
    ],
)
def test_chain_stopping_at_a_person_or_a_bug_is_shallow(leaf: str) -> None:
    whys = (*clean_coe().whys[:4], Why("5", "4", "Why?", leaf))
    coe = clean_coe(whys=whys, root_causes=(leaf,))
    assert rules_of(lint_coe(coe)) == ["shallow-root-cause"]


def test_chain_stopping_at_a_named_person_is_shallow() -> None:
    leaf = "Because Priya skipped the review."
    whys = (*clean_coe().whys[:4], Why("5", "4", "Why?", leaf))
    assert "shallow-root-cause" in rules_of(lint_coe(clean_coe(whys=whys, root_causes=(leaf,))))


def test_root_cause_naming_the_process_behind_a_bug_is_not_shallow() -> None:
    leaf = "A bug in the code was not caught because the pipeline has no integration tests."
    whys = (*clean_coe().whys[:4], Why("5", "4", "Why?", leaf))
    assert lint_coe(clean_coe(whys=whys, root_causes=(leaf,))) == []


def test_shallow_root_cause_in_explicit_statement_is_found() -> None:
    coe = clean_coe(root_causes=("Human error by the on-call engineer.",))
    assert rules_of(lint_coe(coe)) == ["shallow-root-cause"]


def test_shallow_root_cause_line_points_at_the_statement() -> None:
    raw = "# T\n\n## Root cause\n\nHuman error by the on-call engineer.\n"
    coe = clean_coe(root_causes=("Human error by the on-call engineer.",))
    assert lint_coe(coe, raw)[0].line == 5


# ------------------------------------------------------------------------- names-individual


def test_full_name_pushing_a_config_is_named_individual() -> None:
    timeline = (*clean_coe().timeline, TimelineEvent(None, "John Smith pushed the bad config"))
    findings = lint_coe(clean_coe(timeline=timeline))
    assert rules_of(findings) == ["names-individual"]
    assert "John Smith" in findings[0].message


def test_caused_by_a_first_name_is_named_individual() -> None:
    whys = (
        *clean_coe().whys[:4],
        Why("5", "4", "Why?", clean_coe().whys[4].answer + " Caused by Priya."),
    )
    assert "names-individual" in rules_of(lint_coe(clean_coe(whys=whys)))


def test_named_individual_reports_the_line_of_the_name() -> None:
    raw = "# T\n\n## Timeline\n\n- 10:00 Config push started\n- 10:05 John Smith pushed the bad config\n"
    timeline = (TimelineEvent(None, "John Smith pushed the bad config"),)
    findings = [
        f for f in lint_coe(clean_coe(timeline=timeline), raw) if f.rule == "names-individual"
    ]
    assert findings[0].line == 6


def test_action_owner_names_are_not_blame() -> None:
    actions = tuple(dataclasses.replace(a, owner="Jane Doe") for a in clean_coe().actions)
    assert lint_coe(clean_coe(actions=actions)) == []


@pytest.mark.parametrize(
    "text",
    [
        "payments-api, Kubernetes, Terraform, AWS Lambda and CoreDNS were restarted.",
        "PostHog ingestion into ClickHouse lagged; Grafana showed it.",
        "storage-team and @payments-oncall were paged; the on-call engineer rolled back.",
        "Kafka Connect stopped shipping logs.",
        "The Hellman Kubernetes cluster lost its nodes; KIAM on Hellman failed.",
        "Attendees: RF, PW",
        "Terraform deployed the change and Jenkins ran the job.",
    ],
)
def test_products_teams_and_initials_are_not_people(text: str) -> None:
    assert find_person_names(text) == []


def test_unknown_name_in_blame_context_is_a_person() -> None:
    text = "At 10:05 Okonkwo deployed the change without review."
    assert find_person_names(text) == ["Okonkwo"]


@pytest.mark.parametrize(
    "text",
    [
        "Workloads deployed into the kube-system namespace.",
        "Permanently deleted the admission controller.",
        "Reverts deployed, issue mitigated.",
        "Grafana Agent ran on the unhealthy node.",
    ],
)
def test_capitalised_words_starting_a_sentence_are_not_people(text: str) -> None:
    assert find_person_names(text) == []


@pytest.mark.parametrize(
    ("context", "people"),
    [
        ("the okonkwo flag is set", []),
        ("Okonkwo's 'okonkwo flag", []),
        ("the nightly x-okonkwo flag", ["Okonkwo"]),
        ("rock'okonkwo is one word", ["Okonkwo"]),
        ("Søren's okonkwo flag", []),
    ],
)
def test_a_word_the_document_writes_in_lower_case_is_not_a_person(
    context: str, people: list[str]
) -> None:
    text = "At 10:05 Okonkwo deployed the change."
    assert find_person_names(text, context=f"{text}\n{context}") == people


def test_record_services_are_not_people() -> None:
    text = "Then Atlas deployed the change."
    assert find_person_names(text, ignore=("atlas",)) == []
    assert find_person_names(text) == ["Atlas"]


def test_find_person_names_keeps_order_and_drops_repeats() -> None:
    text = "Maria Garcia approved it. Later Ahmed ran the script and Maria Garcia merged it."
    assert find_person_names(text) == ["Maria Garcia", "Ahmed"]


def test_a_given_name_that_is_also_a_product_needs_a_surname() -> None:
    assert find_person_names("Julia Miller ran the script; the Julia notebook failed.") == [
        "Julia Miller"
    ]


def test_hyphenated_given_names_are_found() -> None:
    assert find_person_names("Mei-Ling O'Connor ran the script.") == ["Mei-Ling O'Connor"]


def test_ambiguous_given_names_need_a_surname_or_blame() -> None:
    assert find_person_names("Will this recur? Mark the node unhealthy in May.") == []
    assert find_person_names("Mark Jones deleted the volume.") == ["Mark Jones"]


# ------------------------------------------------------------------------- impact-not-quantified


def test_impact_without_numbers_is_not_quantified() -> None:
    coe = clean_coe(impact=Impact(summary="Many customers could not check out for a while."))
    assert rules_of(lint_coe(coe)) == ["impact-not-quantified"]


def test_impact_with_a_number_in_the_summary_is_quantified() -> None:
    coe = clean_coe(impact=Impact(summary="About 300 customers could not check out."))
    assert lint_coe(coe) == []


@pytest.mark.parametrize(
    "summary",
    [
        "Logs were not shipped for ninety minutes.",
        "Checkout was down for an hour.",
        "All customers in eu-west-1 saw errors.",
    ],
)
def test_impact_with_number_words_is_quantified(summary: str) -> None:
    assert lint_coe(clean_coe(impact=Impact(summary=summary))) == []


def test_impact_with_only_numeric_fields_is_quantified() -> None:
    coe = clean_coe(impact=Impact(summary="Checkout was down.", duration_minutes=30))
    assert lint_coe(coe) == []


def test_impact_not_quantified_points_at_the_summary_line() -> None:
    raw = "# T\n\n## Impact\n\nMany customers could not check out.\n"
    coe = clean_coe(impact=Impact(summary="Many customers could not check out."))
    assert lint_coe(coe, raw)[0].line == 5


# ------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("field", "rule"),
    [
        ("owner", "action-missing-owner"),
        ("priority", "action-missing-priority"),
        ("due", "action-missing-due"),
    ],
)
def test_action_missing_a_field_is_reported_by_name(field: str, rule: str) -> None:
    first, second = clean_coe().actions
    coe = clean_coe(actions=(first, dataclasses.replace(second, **{field: None})))
    findings = lint_coe(coe)
    assert rules_of(findings) == [rule]
    assert "A2" in findings[0].message and "Alarm on connection pool" in findings[0].message


def test_each_action_missing_an_owner_is_its_own_finding() -> None:
    actions = tuple(dataclasses.replace(a, owner=" ") for a in clean_coe().actions)
    assert rules_of(lint_coe(clean_coe(actions=actions))) == ["action-missing-owner"] * 2


def test_no_actions_is_a_missing_section() -> None:
    findings = lint_coe(clean_coe(actions=()))
    assert rules_of(findings) == ["missing-section"]
    assert "action items" in findings[0].message


@pytest.mark.parametrize(
    "title",
    [
        "Be more careful when deploying",
        "Improve monitoring",
        "Pay more attention to config changes",
        "Communicate better during incidents",
        "Review process",
        "Double check changes before pushing",
        "Double-check changes before deploying",
        "Pay more attention to alerts",
        "Make sure to test changes",
        "Investigate",
        "Fix it",
    ],
)
def test_vague_actions_are_not_specific(title: str) -> None:
    assert vague_reason(title) is not None


@pytest.mark.parametrize(
    "title",
    [
        "Add a CI check that rejects config pushes lowering max_connections",
        "Alarm on checkout 5xx rate above 2% for 5 minutes",
        "Improve monitoring: add an alarm on connection pool saturation",
        "Rotate the TLS certificate automatically 30 days before expiry",
        "Enable least-privilege RBAC roles for the deploy pipeline",
    ],
)
def test_concrete_actions_are_specific(title: str) -> None:
    assert vague_reason(title) is None


def test_vague_action_finding_names_the_action() -> None:
    first, second = clean_coe().actions
    coe = clean_coe(actions=(first, dataclasses.replace(second, title="Be more careful")))
    findings = lint_coe(coe)
    assert rules_of(findings) == ["action-not-specific"]
    assert '"Be more careful"' in findings[0].message


# ------------------------------------------------------------------------- missing-section


def test_each_missing_section_is_its_own_finding() -> None:
    coe = COE(id="COE-1", title="Checkout outage")
    messages = [f.message for f in lint_coe(coe) if f.rule == "missing-section"]
    assert len(messages) == 5
    for section in ("impact", "timeline", "whys", "root cause", "action items"):
        assert any(section in m for m in messages)


def test_missing_timeline_is_reported_without_a_line() -> None:
    findings = lint_coe(clean_coe(timeline=()), "# T\n")
    assert [(f.rule, f.line) for f in findings] == [("missing-section", None)]
    assert "timeline" in findings[0].message


# ------------------------------------------------------------------------- corpora


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A 300-COE synthetic corpus (seed 0) and its labels."""
    sample = pytest.importorskip("analytics.sample")
    root = tmp_path_factory.mktemp("corpus")
    sample.generate_corpus(300, 0, root)
    return root, json.loads((root / "labels.json").read_text(encoding="utf-8"))["coes"]


def _scores(labels: dict[str, Any], predicted: dict[str, set[str]]) -> dict[str, tuple]:
    """Per rule: (precision, recall) of the predicted rules against the planted defects."""
    scores = {}
    for spec in RULES:
        truth = {cid for cid, label in labels.items() if spec.id in label["defects"]}
        found = {cid for cid, rules in predicted.items() if spec.id in rules}
        hits = len(truth & found)
        scores[spec.id] = (
            round(hits / len(found), 3) if found else 1.0,
            round(hits / len(truth), 3) if truth else 1.0,
        )
    return scores


def _parsed(root: Path, coe_id: str, label: dict[str, Any]) -> tuple[COE, str]:
    parsers = pytest.importorskip("analytics.parsers")
    path = root / label["file"]
    records = {c.id: c for c in parsers.parse_path(path)}
    return records.get(coe_id) or next(iter(records.values())), path.read_text(encoding="utf-8")


def _weak(scores: dict[str, tuple]) -> dict[str, tuple]:
    return {rule: pr for rule, pr in scores.items() if pr[0] < 0.9 or pr[1] < 0.95}


def test_linter_finds_planted_defects_in_labelled_records(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    # The why chain, root causes and actions come from the labels, so this measures the linter
    # alone; impact, timeline and the raw text come from the document.
    root, labels = generated
    predicted = {}
    for coe_id, label in labels.items():
        coe, raw = _parsed(root, coe_id, label)
        coe = dataclasses.replace(
            coe,
            whys=tuple(Why(**w) for w in label["whys"]),
            root_causes=tuple(label["root_causes"]),
            actions=tuple(
                Action(**{k: v for k, v in a.items() if k != "family"})
                for a in label.get("actions", [])
            ),
        )
        predicted[coe_id] = {f.rule for f in lint_coe(coe, raw)}
    assert _weak(_scores(labels, predicted)) == {}


def test_linter_finds_planted_defects_through_the_parsers(
    generated: tuple[Path, dict[str, Any]],
) -> None:
    root, labels = generated
    predicted = {}
    for coe_id, label in labels.items():
        coe, raw = _parsed(root, coe_id, label)
        predicted[coe_id] = {f.rule for f in lint_coe(coe, raw)}
    assert _weak(_scores(labels, predicted)) == {}


def _attendee_lines(raw: str) -> set[int]:
    """Line numbers inside an "Attendees" section."""
    lines, inside = set(), False
    for number, line in enumerate(raw.splitlines(), start=1):
        if line.startswith("#"):
            inside = "attendee" in line.lower()
        elif inside:
            lines.add(number)
    return lines


def test_real_postmortems_lint_without_blaming_attendees(real_corpora: Path) -> None:
    from analytics import parsers

    paths = sorted(
        p
        for p in real_corpora.glob("*/*.md")
        if "template" not in p.name.lower() and p.name != "README.md"
    )
    assert paths
    for path in paths:
        raw = path.read_text(encoding="utf-8")
        attendees = _attendee_lines(raw)
        for coe in parsers.parse_path(path):
            findings = lint_coe(coe, raw)
            assert all(f.line is None or 1 <= f.line <= len(raw.splitlines()) for f in findings)
            blamed = [f for f in findings if f.rule == "names-individual"]
            assert not [f for f in blamed if f.line in attendees], path.name


def test_attendee_initials_in_a_document_are_not_named_individuals() -> None:
    raw = "# T\n\n## Summary\n\nCheckout failed.\n\n## Attendees\n\n- RF, PW, JS\n"
    assert [f for f in lint_coe(clean_coe(), raw) if f.rule == "names-individual"] == []


def test_a_name_blamed_in_an_unparsed_section_is_found_with_its_line() -> None:
    raw = "# T\n\n## Lessons learned\n\nIt went wrong when Priya Sharma pushed the config.\n"
    findings = [f for f in lint_coe(clean_coe(), raw) if f.rule == "names-individual"]
    assert [(f.line, "Priya Sharma" in f.message) for f in findings] == [(5, True)]


def test_results_of_an_older_lint_version_are_redone(tmp_path) -> None:
    from analytics.ingest import ingest
    from analytics.lint_store import lint_changed
    from analytics.sample import generate_corpus
    from analytics.store import load_coes, open_store

    generate_corpus(3, 1, tmp_path / "c")
    conn = open_store(tmp_path / "s.db")
    ingest(conn, [tmp_path / "c" / "corpus"], progress=False)
    coes = load_coes(conn)
    assert lint_changed(conn, coes) == 0  # ingest linted them
    with conn:
        conn.execute("DELETE FROM lint")  # a store written before ingest linted
    assert lint_changed(conn, coes) == 3
    assert lint_changed(conn, coes) == 0  # nothing changed: nothing redone
    with conn:
        conn.execute("UPDATE lint SET sha256 = substr(sha256, 1, 64) || '/v1', score = -1")
    assert lint_changed(conn, coes) == 3
    assert conn.execute("SELECT min(score) FROM lint").fetchone()[0] >= 0
