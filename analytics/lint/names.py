"""Telling people's names from the names of services, products, teams and clusters.

A COE is about process, never people, so the linter flags a named individual held responsible and
the reports can redact names. Nothing here uses a network or a model. A person is

1. a given name from a compact, multi-cultural gazetteer (``first_names.txt``), optionally
   followed by a capitalised surname ("Priya", "John Smith", "Mei-Ling O'Connor", "Søren Iversen");
2. a given name that is also a word ("Will", "May", "Ray": ``ambiguous_first_names.txt``) only
   with a surname or in a blame context;
3. an unknown capitalised word in the middle of a sentence in a blame context: followed by a blame
   verb ("then Okonkwo pushed the config") or after "caused by" / "fault of" ("caused by Xiomara").

A candidate is dropped when it is a known technology or product (:data:`TECH_TERMS`), a common
English word (:data:`COMMON_WORDS`), a word the document also writes in lower case, or a word the
document uses as a system name ("Hellman cluster", "Atlas service"). Callers pass further words to
ignore (the record's services and team). Initials ("RF, PW") and handles ("@payments-oncall") are
never matched: they are how teams avoid naming people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path

_HERE = Path(__file__).parent


def _words(block: str) -> list[str]:
    """The words of a word list: whitespace-separated, ``#`` comments dropped."""
    return [w for line in block.splitlines() for w in line.split("#", 1)[0].split()]


FIRST_NAMES: frozenset[str] = frozenset(
    _words((_HERE / "first_names.txt").read_text(encoding="utf-8"))
)
AMBIGUOUS_FIRST_NAMES: frozenset[str] = frozenset(
    _words((_HERE / "ambiguous_first_names.txt").read_text(encoding="utf-8"))
)

# Technologies, products, vendors and infrastructure words that start with a capital letter in
# prose and are never people. Lower case; compared case-insensitively.
TECH_TERMS: frozenset[str] = frozenset(
    _words(
        """
    aad activemq adfs adsync airflow akamai aks alb alcide alertmanager alloy alpine amazon
    amazonlinux ami amplitude android angular ansible apache api appdynamics apple argo
    argocd athena aurora auth0 aws azure babel bash bazel bedrock betteruptime bgp bigquery
    bitbucket bottlerocket buildkite bun cacti calico cargo cassandra cd cdn celery centos
    certbot chef chrome ci cilium circleci citus cli clickhouse cloudflare cloudformation
    cloudfront cloudtrail cloudwatch cockroach cockroachdb collectd conda confluence
    confluent connect conntrack consul containerd coredns cortex cosmos cosmosdb couchbase
    couchdb cpu cron crossplane css csv cypress dagster dask databricks datadog dbt debian
    delta deno dependabot dev-ops devops django dns docker drone druid dynamodb dynatrace
    ebs ec2 ecr ecs edge efs eks eksctl elastic elasticsearch elb elixir emr entra envoy
    erlang eslint etcd fargate fastapi fastly figma firebase firefox firestore flannel flask
    flink fluent fluentbit fluentd flux gcp git github gitlab gke glue gmail go golang
    google gpu gradle grafana grafana-agent graphql grpc hadoop haproxy hashicorp haskell
    hbase hdd hellman helm heroku hive honeycomb html http https hubspot hudi hulud iam ibm
    iceberg icinga imap impala influxdb inotify intercom intune ios iptables ipvs istio
    jaeger java javascript jenkins jest jira json julia jwt k3s k8s kafka kafka-exporter
    karma karpenter keycloak kiam kibana kind kinesis kms kong kops kotlin kube kubeadm
    kubectl kubelet kubernetes kudu kustomize lambda launchdarkly ldap letsencrypt linkerd
    linux log4j log4shell logstash loki looker lvm macos mailgun mariadb maven memcached
    meta metabase microsoft mimir minikube miro mixpanel mocha mongo mongodb ms mssql munin
    mysql nagios nats neon netlify newrelic next nextjs nfs nginx nlb node node-ipc nodejs
    nomad nosql notion npm ntp nutanix nuxt o365 oauth office365 okta onedrive opensearch
    openshift openssl opentelemetry openvpn opsgenie optimizely oracle ospf otel outlook
    packer pagerduty patroni perl pgbouncer pgpool php pingdom pinot pip planetscale
    playwright pnpm podman poetry postgres postgresql posthog posthog-js powershell presto
    prometheus prometheus-operator proxmox pubsub pulsar pulumi puppet pytest python
    rabbitmq raid rails ram rancher ray rds react redhat redis redshift renovate rest riak
    rke route53 ruby ruff rust s3 safari sagemaker salesforce salt saml scala scylla
    scylladb sdk segment selenium sendgrid sensu sentry shai-hulud sharepoint signoz slack
    smtp snowflake sns snyk sonarqube spanner spark splunk sql sqlserver sqs ssd ssh ssl
    statsig statuspage stolon storybook stripe supabase superset svelte svn swift systemd
    tableau tailscale tcp teams tekton telegraf tempo terraform thanos tidb timescale
    timescaledb tls tomcat traefik travis trino twilio typescript ubuntu udp ui unleash
    uptime-kuma ux vagrant vault vercel victoriametrics vite vitess vmware vpc vpn vue weave
    webpack windows wireguard xml yaml yarn yugabyte zabbix zendesk zipkin zookeeper zoom
    zsh
        """
    )
)

# Everyday words that start sentences, headings and titles: never a name, even when blamed
# ("Someone forgot", "Workloads deployed").
COMMON_WORDS: frozenset[str] = frozenset(
    _words(
        """
    a about across action actions admin administrator admins after afterwards against agent
    agents alarm alarms alert alerts all along also although am an and another answer any
    anyone april are around asia at attendees august author authors automatic automatically
    automation background be because been before behind being between beyond blue both bug
    but by can canary capacity category cause causes certain change changes check checks
    cloud cluster clusters code commit commits config configuration contractor contributing
    could customer customers daily dashboard dashboards database databases date december
    default deploy deployment deployments detection dev developer developers development
    devops did do does done due during each east either engineer engineering engineers error
    errors eu europe evening eventually every everybody everyone external factors failure
    failures feature features february few finally first fix flag flags follower for friday
    from global green had has have he health her here his how however human humans i if
    impact in incident incidents infrastructure initially internal into is issue issues it
    its january job jobs july june last later lead leader learned legacy lessons load local
    main manager manual manually many march master may meanwhile might migration migrations
    mitigation monday monitor monitoring month morning most much multiple must my near
    neither network networks new next night nightly no nobody node nodes none noone nor
    north not nothing november now october of off old on on-call oncall one only onto
    operator operators ops or other our outage outages over owner owners partner patch
    people permanently person pipeline pipelines platform pod pods primary priority private
    problem problems process processes prod product production public quarter question
    recovery region release releases remediation replica request requests resolution revert
    reverts review reviewer reviewers reviews rollback rolling rollout root runbook runbooks
    saturday scheduled script scripts second secondary security september server servers
    service services sev several severity shall she should since so some somebody someone
    something south sre staff staging stats status still summary sunday support system
    systems team teams test testing tests that the their them then there therefore these
    they third this those though through thursday thus time timeline to today tomorrow tool
    tools traffic tuesday under unless until update updates upgrade upgrades upon us user
    users various vendor was we wednesday week weekly were west what when where which while
    who whose why whys will with within without workload workloads would year yesterday yet
    you your zone
        """
    )
)

# Verbs that put a person in the dock: "<Name> pushed the bad config".
BLAME_VERBS: tuple[str, ...] = (
    "pushed",
    "deployed",
    "ran",
    "forgot",
    "caused",
    "broke",
    "missed",
    "approved",
    "merged",
    "deleted",
    "misconfigured",
    "mistyped",
    "typed",
    "executed",
    "ignored",
    "skipped",
    "disabled",
    "overwrote",
    "applied",
    "neglected",
    "failed to",
    "did not",
    "didn't",
    "made a mistake",
    "made an error",
    "made a typo",
)

# Phrases after which the next capitalised name is the one blamed: "caused by Priya".
BLAME_PREFIXES: tuple[str, ...] = (
    "caused by",
    "fault of",
    "blame on",
    "blamed on",
    "mistake by",
    "mistake of",
    "error by",
    "error of",
    "introduced by",
    "pushed by",
    "deployed by",
    "merged by",
    "approved by",
    "run by",
    "executed by",
    "deleted by",
    "because",
)

# Nouns that mark the capitalised word before them as the name of a system, not a person:
# "Hellman cluster", "Atlas service", "Orion team".
_SYSTEM_NOUNS = (
    "cluster|clusters|service|services|api|apis|server|servers|database|db|node|nodes|network|"
    "pipeline|team|squad|platform|environment|env|account|accounts|region|stack|project|app|"
    "application|gateway|proxy|queue|topic|bucket|repo|repository|library|sdk|client|worker|"
    "workers|job|jobs|cron|kubernetes|k8s|infrastructure|infra|instance|instances|host|hosts|"
    "deployment|namespace|module|plugin|extension|version|release|dashboard|board|channel|agent|"
    "controller|operator|exporter|logs|metrics|ingress|dns|cli|ui"
)

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_REST = rf"[{_LOWER}]+(?:[-'][{_UPPER}]?[{_LOWER}]+)*"
_NAME_TOKEN = rf"[{_UPPER}]{_NAME_REST}"
_SURNAME_TOKEN = rf"(?:Mc|Mac|O')?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_PARTICLES = r"(?:(?:van der|van den|van|von|de la|de|del|da|di|le|al|el|bin|ibn)\s+)?"


def _word_start(letters: str, not_after: str) -> str:
    """A regex for one of ``letters`` where it does not follow one of ``not_after`` (classes).

    The look-behind comes after the letter, which lets the regex engine skip ahead to the letters
    instead of trying the look-behind at every offset of a text.
    """
    return rf"[{letters}](?<![{not_after}][{letters}])"


_NAME_START = _word_start(_UPPER, r"\w@/.#-")
_CANDIDATE_RE = re.compile(
    rf"({_NAME_START}{_NAME_REST})(?:[ \t]+({_PARTICLES}{_SURNAME_TOKEN}))?(?![\w@/-])"
)
_BLAME_AFTER_RE = re.compile(
    r"^\s*(?:,[^,]{0,40},\s*)?(?:\w+ly\s+)?(?:"
    + "|".join(re.escape(v) for v in BLAME_VERBS)
    + r")\b",
    re.IGNORECASE,
)
_BLAME_BEFORE_RE = re.compile(
    r"\b(?:" + "|".join(re.escape(p) for p in BLAME_PREFIXES) + r")\s+$", re.IGNORECASE
)
_SYSTEM_AFTER_RE = re.compile(rf"^\s+(?:{_SYSTEM_NOUNS})\b", re.IGNORECASE)
_SYSTEM_BEFORE_RE = re.compile(
    r"\b(?:on|in|into|onto|from|to|via|across|the|our|of|with|using)\s+$", re.IGNORECASE
)
# A word right before a system noun names a system ("Hellman cluster"). Found from the nouns
# backwards: trying the name pattern at every word of a document was most of lint's time. The
# nouns are sought in the lower-cased text with the alternation grouped by first letter, which is
# several times quicker than ignoring case.
_SYSTEM_NOUN_RE = re.compile(
    r"\s(?:"
    + "|".join(
        f"{first}(?:{'|'.join(noun[1:] for noun in nouns)})"
        for first, nouns in groupby(sorted(_SYSTEM_NOUNS.split("|")), key=itemgetter(0))
    )
    + r")\b"
)
_NAME_BEFORE_RE = re.compile(rf"\b({_NAME_TOKEN})\s+$", re.IGNORECASE)
# Ignoring case, a pattern also matches these letters to ASCII ones; "İ" lower-cases to two.
_CASE_FOLDS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def _lower_in_place(text: str) -> str:
    """``text`` lower-cased with every character at its offset: an ASCII pattern matches it where
    it matches ``text`` ignoring case."""
    if not text.isascii() and any(c in text for c in "İıſ"):
        text = text.translate(_CASE_FOLDS)
    return text.lower()


def _system_names(text: str) -> frozenset[str]:
    found = set()
    for match in _SYSTEM_NOUN_RE.finditer(_lower_in_place(text)):
        noun = match.start() + 1
        start = max(0, noun - 80)
        head = text[start:noun].rstrip()
        if not head:
            continue
        # A name holds no space: try the pattern only on the last chunk of text before the noun.
        chunk = start + len(head) - len(head.rsplit(None, 1)[-1])
        before = _NAME_BEFORE_RE.search(text, chunk, noun)
        if before:
            found.add(fold(before.group(1)))
    return frozenset(found)


# A capitalised word right after another one is part of a multi-word name ("Grafana Agent").
_AFTER_CAPITALISED_RE = re.compile(rf"[{_UPPER}][\w-]*[ \t]+$")
# Right after a lower-case word, a comma or a time: in the middle of a sentence, where a
# capitalised word is a proper name, not the first word of a sentence, list item or cell.
_MID_SENTENCE_RE = re.compile(r"(?:[a-zß-öø-ÿ,]|\d)[ \t]+$")
# Capitalised words with these endings are nouns, adverbs or plurals, not unknown names.
_NOT_NAME_SUFFIX_RE = re.compile(
    r"(?:tion|sion|ment|ing|ness|ity|ance|ence|ler|ter|ser|zer|ure|ism|ship|able|ible|ics|ogy|"
    r"ly|[^su]s)$"
)
_LOWER_WORD_START = _word_start(_LOWER, r"\w-")
_LOWER_WORD_RE = re.compile(rf"{_LOWER_WORD_START}[{_LOWER}'-]*")


@dataclass(frozen=True)
class PersonMention:
    """One place a person is named: the name as written, its span, and whether it is blamed."""

    name: str
    start: int
    end: int
    blamed: bool


@lru_cache(maxsize=1 << 16)
def fold(token: str) -> str:
    """Lower case with accents and ligatures folded, for gazetteer look-up ("Søren" -> "soren")."""
    if token.isascii():
        return token.lower()
    low = token.lower().translate(str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "ð": "d"}))
    return "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))


def _ignore_set(extra: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for item in extra:
        if not item:
            continue
        words |= {p for p in re.split(r"[\s_/.@-]+", fold(item)) if len(p) > 1}
        words.add(re.sub(r"[\s_/.@'-]+", "", fold(item)))
    return frozenset(words)


# What a lower-case ASCII word (:data:`_LOWER_WORD_RE`) is made of.
_LOWER_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz'-")


@dataclass(frozen=True)
class _Context:
    """What the whole document says about its words: which are things, not people."""

    text: str
    ignored: frozenset[str]
    systems: frozenset[str]

    @classmethod
    def of(cls, text: str, ignore: Iterable[str]) -> _Context:
        return _context_of(text, tuple(ignore))

    @classmethod
    def build(cls, text: str, ignore: tuple[str, ...]) -> _Context:
        return cls(text=text, ignored=_ignore_set(ignore), systems=_system_names(text))

    def is_thing(self, key: str) -> bool:
        """Whether the folded word ``key`` names a thing, not a person."""
        return (
            key in TECH_TERMS or key in COMMON_WORDS or key in self.ignored or key in self.systems
        )

    def writes_in_lower_case(self, key: str) -> bool:
        """Whether the text also writes the folded word ``key`` in lower case."""
        text = self.text
        if not text.isascii():
            return key in self._lowercase_words
        # Lower-case ASCII words are folded already: look for this one where it starts a word
        # rather than collect every word of the document, which took a sixth of lint's time.
        at = text.find(key)
        while at >= 0:
            before = text[at - 1] if at else " "
            if before == "'":
                # Only the whole scan tells whether an earlier word ends in this apostrophe.
                return key in self._lowercase_words
            after = text[at + len(key) : at + len(key) + 1]
            if not (before.isalnum() or before in "_-") and after not in _LOWER_WORD_CHARS:
                return True
            at = text.find(key, at + 1)
        return False

    @cached_property
    def _lowercase_words(self) -> frozenset[str]:
        return frozenset(map(fold, set(_LOWER_WORD_RE.findall(self.text))))


@lru_cache(maxsize=8)
def _context_of(text: str, ignore: tuple[str, ...]) -> _Context:
    # The linter asks about many parts of one document in a row; build its context once.
    return _Context.build(text, ignore)


def person_mentions(
    text: str, ignore: Iterable[str] = (), context: str | None = None
) -> list[PersonMention]:
    """Every place ``text`` names a person, in order.

    Parameters
    ----------
    text : str
        Any prose: a why answer, a timeline entry, a whole document.
    ignore : iterable of str, optional
        Further names that are not people (the record's services and team); each is split on
        ``-``, ``_``, ``/``, ``@`` and spaces, so ``"payments-api"`` ignores "Payments".
    context : str, optional
        The whole document ``text`` comes from: words it writes in lower case or uses as system
        names are not people. Defaults to ``text``.

    Returns
    -------
    list of PersonMention
    """
    ctx = _Context.of(text if context is None else context, ignore)
    mentions: list[PersonMention] = []
    pos = 0
    while match := _CANDIDATE_RE.search(text, pos):
        mention = _classify(text, match, ctx)
        if mention:
            mentions.append(mention)
        # A rejected "Because Priya" must still let "Priya" be tried on its own.
        pos = mention.end if mention else match.end(1)
    return mentions


def find_person_names(
    text: str, ignore: Iterable[str] = (), context: str | None = None
) -> list[str]:
    """People's names in ``text``, in order of first appearance, without duplicates.

    Parameters
    ----------
    text : str
        Any prose: a why answer, a timeline entry, a whole document.
    ignore : iterable of str, optional
        Further names that are not people (the record's services and team).
    context : str, optional
        The whole document ``text`` comes from (see :func:`person_mentions`).

    Returns
    -------
    list of str
        Each name as written ("John Smith", "Priya"). Service, product and team names, initials
        and handles are not returned.

    Examples
    --------
    >>> find_person_names("John Smith pushed the bad config to payments-api on Kubernetes.")
    ['John Smith']
    >>> find_person_names("The on-call engineer restarted CoreDNS; attendees: RF, PW")
    []
    """
    names: list[str] = []
    for mention in person_mentions(text, ignore, context):
        if mention.name not in names:
            names.append(mention.name)
    return names


def _classify(text: str, match: re.Match[str], ctx: _Context) -> PersonMention | None:
    """The person this candidate names, or None when it is something else."""
    first, surname = match.group(1, 2)
    key = fold(first)
    # A given name that is also a product ("Julia", "Ruby") is a person only with a surname.
    # Most candidates are common words or things and end here, so this test comes first.
    product_like = ctx.is_thing(key)
    if product_like and not (surname and key in AMBIGUOUS_FIRST_NAMES):
        return None
    # A hyphenated given name ("Mei-Ling", "Jean-Pierre") is known when its first part is.
    given = key.split("-")[0] if key.split("-")[0] in FIRST_NAMES else key
    before = text[max(0, match.start() - 40) : match.start()]

    def blamed(end: int) -> bool:
        return bool(_BLAME_AFTER_RE.match(text[end : end + 60]) or _BLAME_BEFORE_RE.search(before))

    full_ok = bool(surname) and _usable_surname(surname, ctx)
    if full_ok and (given in FIRST_NAMES or key in AMBIGUOUS_FIRST_NAMES):
        return PersonMention(f"{first} {surname}", match.start(), match.end(), blamed(match.end()))
    end = match.end(1)
    if product_like or _SYSTEM_AFTER_RE.match(text[end : end + 40]):
        return None
    if given in FIRST_NAMES:
        return PersonMention(first, match.start(), end, blamed(end))
    # "Grafana Agent": a capitalised word right after a capitalised non-common word is part of
    # a product's name; "Because Priya" is not.
    prev = _AFTER_CAPITALISED_RE.search(before)
    if prev and fold(prev.group(0).strip()) not in COMMON_WORDS:
        return None
    if key in AMBIGUOUS_FIRST_NAMES:
        if blamed(end) and not _SYSTEM_BEFORE_RE.search(before):
            return PersonMention(first, match.start(), end, True)
        return None
    # An unknown word counts only when blamed and nothing says it is a thing.
    if _SYSTEM_BEFORE_RE.search(before) or len(key) < 3 or _NOT_NAME_SUFFIX_RE.search(key):
        return None
    if ctx.writes_in_lower_case(key):
        return None
    if full_ok and blamed(match.end()):
        # "Xiomara Okafor pushed ...": an unknown pair in a blame context.
        return PersonMention(f"{first} {surname}", match.start(), match.end(), True)
    if blamed(end) and _MID_SENTENCE_RE.search(before):
        return PersonMention(first, match.start(), end, True)
    return None


def _usable_surname(surname: str, ctx: _Context) -> bool:
    last = fold(surname.split()[-1])
    return not ctx.is_thing(last) and not ctx.writes_in_lower_case(last)
