"""Draft-only wording of each systemic theme, for held-out drafts of new incidents.

A reviewer's draft describes a known mechanism in its author's own words, not in the words of
earlier write-ups. These pools restate each theme's symptom, proximate cause and process gap
with vocabulary the corpus phrasings in ``themes`` mostly avoid, so that a precedent search has
to match the mechanism rather than reused sentences. Fragments use the same ``{placeholders}``
as ``themes``; cause fragments follow "Because " (lower-case start, no final full stop).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DraftWording:
    """One theme's draft-only phrasings.

    ``symptoms`` open the summary (full sentences), ``causes`` answer the first why,
    ``deeper`` answer the follow-up whys (the process gap underneath).
    """

    titles: tuple[str, ...]
    symptoms: tuple[str, ...]
    causes: tuple[str, ...]
    deeper: tuple[str, ...]


def _w(
    titles: list[str], symptoms: list[str], causes: list[str], deeper: list[str]
) -> DraftWording:
    return DraftWording(tuple(titles), tuple(symptoms), tuple(causes), tuple(deeper))


DRAFT_WORDING: dict[str, DraftWording] = {
    "cert-expiry": _w(
        [
            "Edge endpoint of {svc} refused by browsers",
            "{svc} gateway x509 problem",
            "Handshake errors in front of {svc}",
        ],
        [
            "Browsers started rejecting the TLS handshake on our {svc} edge endpoint.",
            "Callers of {svc} got 'unknown authority / date invalid' errors from their HTTP"
            " clients.",
            "Every new connection to {host} was dropped by clients during setup.",
            "Mobile apps showed a security warning when opening anything backed by {svc}.",
        ],
        [
            "the x509 cert on the {svc} gateway had run past its notAfter date",
            "the cert chain on {host} aged out over the weekend",
            "the key pair served at the edge was older than its validity window allows",
            "the server cert for {host} hit its end date and nothing swapped in a fresh one",
        ],
        [
            "nobody owns tracking when our certs age out",
            "the cert was minted manually two years ago and the person who did it has left",
            "we have no list of which hosts carry which certs or when each one lapses",
            "no dashboard or page tells anyone a cert is a few weeks from its end date",
            "standing up a new endpoint never includes enrolling its cert with ACME or similar",
        ],
    ),
    "config-no-staged-rollout": _w(
        [
            "Bad settings push took down {svc} fleet-wide",
            "{svc} broken in every region at once",
            "{svc} down everywhere after a settings edit",
        ],
        [
            "All {svc} hosts began failing within the same minute, across every region.",
            "{svc} went from healthy to fully down everywhere simultaneously.",
            "Every region serving {svc} broke at the same moment shortly after a settings edit.",
            "The blast radius covered the whole {svc} fleet, not a single zone.",
        ],
        [
            "an edited properties file reached the whole fleet in one shot",
            "a typo in a YAML value was synced to every host simultaneously and the process"
            " crashed on load",
            "the new settings bundle went to all regions together instead of one zone first",
            "a malformed key in the settings store was picked up by every {svc} node in seconds",
        ],
        [
            "our settings tooling has no notion of waves or bake time",
            "nothing validates a properties edit before it lands on hosts",
            "settings edits skip the pipeline that code goes through",
            "there is no way to ship a settings edit to just one cell and watch it",
            "the sync agent applies whatever it reads with no health gate between regions",
        ],
    ),
    "no-load-test": _w(
        [
            "{svc} fell over at peak",
            "{svc} saturated during the sale",
            "Traffic spike exhausted {svc}",
        ],
        [
            "{svc} latency climbed to several seconds as the evening peak arrived, then requests"
            " timed out.",
            "During the seasonal sale {svc} ran out of headroom and began shedding requests.",
            "{svc} hosts pinned at 100% CPU when traffic roughly tripled.",
            "The new {svc} launch drew far more users than expected and pages stopped loading.",
        ],
        [
            "we provisioned hosts for last year's high-water mark and this year's was about triple",
            "the connection pool and thread count ceilings were hit well before the traffic top",
            "nobody had ever pushed {svc} past its everyday volume before the event",
            "the hosts ran out of memory once concurrent sessions went past a few thousand",
        ],
        [
            "we never rehearse peak volume against a prod-like stack",
            "headroom forecasting is nobody's job and the numbers were a guess",
            "the launch checklist does not ask for a stress run or a sizing sign-off",
            "autoscaling limits were copied from a template and never revisited",
        ],
    ),
    "retry-storm": _w(
        [
            "{svc} hammered by its own callers",
            "{svc} buried under repeat calls",
            "Brief {svc2} hiccup turned into long {svc} outage",
        ],
        [
            "After a few seconds of trouble in {svc2}, {svc} was swamped with repeat calls and"
            " could not recover.",
            "Request volume to {svc} multiplied tenfold even though user traffic was flat.",
            "{svc} kept collapsing each time it came back up, as clients piled on immediately.",
            "A short hiccup downstream snowballed into an hour of {svc} being unusable.",
        ],
        [
            "every client re-sent failed calls instantly and in lockstep, multiplying the load",
            "the SDK loops on errors with no pause and no cap on attempts",
            "each layer of the stack re-sent on its own, so one user click became dozens of calls",
            "callers piled back onto {svc} the instant it showed signs of life",
        ],
        [
            "our shared HTTP client ships with aggressive re-send defaults and no jitter",
            "nothing stops callers from sending to a dependency that is already struggling",
            "no per-client quota or token bucket limits how much repeat traffic we accept",
            "the client libraries were never reviewed for behaviour under partial failure",
        ],
    ),
    "alarm-gap": _w(
        [
            "Customers told us {svc} was down before we knew",
            "{svc} broken and the pager never rang",
            "{svc} degraded for hours unnoticed",
        ],
        [
            "Support tickets about {svc} piled up for over an hour before anyone on call was"
            " paged.",
            "We learned {svc} was broken from a customer tweet.",
            "{svc} quietly dropped a share of requests all night and the pager stayed silent.",
            "The first signal that {svc} was unhealthy came from a partner's escalation email.",
        ],
        [
            "the paging rule for {svc} looked at the wrong metric and never tripped",
            "the page threshold was set so high that a partial outage stayed under it",
            "the 5xx signal for {svc} was never wired to the on-call rotation",
            "the dashboard turned red but nothing notified a human",
        ],
        [
            "new services launch without a review of what should wake someone up",
            "paging thresholds were picked once at launch and never tuned against real traffic",
            "nobody checks that pages actually reach the on-call phone",
            "no scripted fake user walks through sign-up and checkout around the clock",
        ],
    ),
    "schema-migration-lock": _w(
        [
            "Writes to {svc} stalled during a DB change",
            "{table} frozen by DDL on {svc}",
            "{svc} database hung during deploy",
        ],
        [
            "Writes to {svc} hung for twenty minutes while a deploy was running.",
            "Every query touching {table} queued up and {svc} timed out.",
            "The {svc} primary database stopped accepting writes in the middle of a release.",
            "Checkout calls into {svc} froze while an ALTER was running.",
        ],
        [
            "an ALTER on {table} held an exclusive hold on the whole table for the entire rewrite",
            "adding a column with a default rewrote every row of {table} while blocking writers",
            "the DDL waited behind a long read and every later query queued behind the DDL",
            "building an index on {table} was done in blocking mode on the live primary",
        ],
        [
            "DDL changes ship with the app deploy and nobody looks at them separately",
            "no one on the team checks whether a DDL statement is online-safe before it runs",
            "we have no staging copy of {table} at production size to time DDL against",
            "the deploy tooling runs DDL at boot with no lock timeout",
        ],
    ),
    "dependency-upgrade-no-canary": _w(
        [
            "{svc} broken by a library bump",
            "{dep} update broke {svc}",
            "Fleet-wide {svc} errors after package update",
        ],
        [
            "Right after a routine package bump, {svc} began throwing serialization errors on"
            " every host.",
            "{svc} started failing as soon as the build with the newer {dep} went out.",
            "A minor-version bump of a third-party package made {svc} unusable within minutes.",
            "All {svc} instances picked up the new library version together and broke together.",
        ],
        [
            "{dep} {ver_new} silently changed a default that {svc} relied on",
            "the bumped package dropped a method that our code still calls at runtime",
            "the newer library behaved differently on prod data than on the tiny test fixtures",
            "the bot-opened bump PR was merged and shipped to all hosts in one go",
        ],
        [
            "third-party bumps go to every host together, with no small slice first",
            "automated bump PRs get merged on green unit tests alone",
            "we have no one-box or small-percentage stage for library changes",
            "nobody reads upstream changelogs before bumping packages",
        ],
    ),
    "manual-runbook-step": _w(
        [
            "Operator mistake during {svc} maintenance",
            "Hand-typed command took down {svc}",
            "{svc} outage during planned maintenance",
        ],
        [
            "During planned maintenance, {svc} went down after a command was run against the"
            " wrong cluster.",
            "An engineer following the wiki page for {svc} skipped a line and drained every host.",
            "{svc} lost capacity when a maintenance command hit prod instead of staging.",
            "A copy-pasted shell command during the {svc} host swap removed live nodes.",
        ],
        [
            "the operator typed the prod hostname where the doc meant staging",
            "the wiki procedure has twenty hand-typed commands and one was done out of order",
            "the script accepted a blank argument and treated it as 'all hosts'",
            "two people worked the same procedure in parallel and undid each other's steps",
        ],
        [
            "this procedure was never scripted even though we run it every month",
            "nothing asks for a second pair of eyes before destructive shell commands",
            "the tooling has no dry-run or confirmation prompt for fleet-wide effects",
            "the wiki page drifted from the real setup and nobody owns keeping it current",
        ],
    ),
    "unsafe-flag-default": _w(
        [
            "Toggle {flag} misbehaved on {svc}",
            "{svc} broke when {flag} switched on",
            "New code path in {svc} went live unexpectedly",
        ],
        [
            "{svc} began serving an unfinished code path to all users without anyone turning it"
            " on.",
            "When {flag} came back empty from the toggle service, {svc} behaved as if it were on.",
            "A half-built {svc} feature appeared for every customer at once.",
            "{svc} switched behaviour for everyone after the toggle backend had a blip.",
        ],
        [
            "when the toggle lookup failed, the code fell back to 'enabled' rather than 'off'",
            "the toggle {flag} was created defaulting to true for every tenant",
            "removing the override for {flag} exposed a default nobody meant to ship",
            "a missing toggle value was read as truthy by the client library",
        ],
        [
            "nobody reviews what a toggle resolves to when its backend is unreachable",
            "toggles are created without a named owner or a planned cleanup date",
            "the toggle SDK's fallback semantics are undocumented",
            "we have no rule that new toggles must start switched off",
        ],
    ),
    "dns-change-unvalidated": _w(
        [
            "{record} resolving to the wrong place",
            "{svc} lookups pointed at a dead address",
            "{svc} unreachable after a zone edit",
        ],
        [
            "Lookups for {record} started returning an old address and clients could not reach"
            " {svc}.",
            "{svc} vanished for users whose resolvers had picked up a bad zone edit.",
            "Customers' resolvers kept handing out a stale IP for {svc} for hours.",
            "Some ISPs sent {svc} traffic to a decommissioned load balancer.",
        ],
        [
            "a zone edit pointed {record} at a retired IP",
            "a record was swapped while its time-to-live was a full day, so resolvers cached"
            " the mistake",
            "the CNAME target was mistyped and resolution returned NXDOMAIN",
            "the new name servers were never delegated from the parent zone",
        ],
        [
            "zone edits go live without anyone resolving the name from outside first",
            "nobody lowers the time-to-live ahead of a cutover",
            "record edits are made by hand in the registrar UI rather than reviewed as code",
            "we don't probe our public names from multiple networks",
        ],
    ),
    "backup-restore-untested": _w(
        [
            "Could not recover {svc} records",
            "Could not bring back {table} for {svc}",
            "Lost data on {svc}: snapshots unusable",
        ],
        [
            "After {table} was corrupted, the team could not bring {svc} data back from snapshots.",
            "Recovering {svc} took a day because every archive we tried was unreadable.",
            "{svc} lost {days} days of records when the nightly dumps turned out to be empty.",
            "Point-in-time recovery for {svc} failed halfway through.",
        ],
        [
            "the nightly dumps had been zero bytes for weeks",
            "the snapshot job archived the wrong volume and we only found out when we needed it",
            "the archives were encrypted with a key nobody could find",
            "the recovery tool needed a version of the DB engine we no longer run",
        ],
        [
            "nobody ever rehearses bringing data back from those archives",
            "the snapshot job reports success even when it writes nothing",
            "no drill ever proves we can rebuild {svc} from scratch",
            "the recovery procedure is undocumented and owned by no team",
        ],
    ),
    "secret-rotation-breaks-clients": _w(
        [
            "{svc2} locked out of {svc} after a password swap",
            "Auth failures after key change",
            "{svc} rejected callers' credentials",
        ],
        [
            "Right after scheduled credential cycling, {svc2} started getting 401s from {svc}.",
            "Callers of {svc} were refused with 'invalid password' errors from one minute to the"
            " next.",
            "{svc} could no longer log in to its own DB once the credential was cycled.",
            "Half the {svc} fleet was rejected by {svc2} after the API key was swapped.",
        ],
        [
            "the old password was revoked at the same moment the new one was issued",
            "{svc2} caches the key at boot and never re-reads it from the vault",
            "the new API key was pushed to the server side before any caller had it",
            "the password change landed on the database while app hosts still used the old one",
        ],
        [
            "the cycling procedure has no overlap window where both old and new keys work",
            "nobody keeps a list of which callers consume which key",
            "services load credentials once at start-up rather than watching for changes",
            "the vault job cycles keys on a timer with no check that consumers picked them up",
        ],
    ),
}

DRAFT_FIRST_QUESTIONS: tuple[str, ...] = (
    "Why did {svc} stop working for users?",
    "Why did customers get failures from {svc}?",
    "Why was {svc} broken?",
    "Why did the incident happen?",
)

DRAFT_FOLLOW_QUESTIONS: tuple[str, ...] = (
    "Why did that happen?",
    "Why was that possible?",
    "Why wasn't this caught sooner?",
    "Why did nothing prevent it?",
)

# Unrelated context a real draft tends to carry; it matches no theme on purpose.
DRAFT_NOISE: tuple[str, ...] = (
    "The on-call engineer was also handling an unrelated page from {svc2} at the time.",
    "This happened during the weekly deploy freeze for {svc2}.",
    "Marketing had launched a promotion in {region} earlier the same day.",
    "{svc2} dashboards showed a small, unrelated latency bump in the same window.",
    "The shift hand-over to the next on-call happened in the middle of the event.",
    "A separate ticket about {svc2} slow queries was already open that week.",
    "The team was short-staffed because of a public holiday in {region}.",
    "Some of the first reports were lost in a busy support channel.",
)

DRAFT_OPENINGS: tuple[str, ...] = (
    "Investigation is ongoing.",
    "Draft; the timeline is still being filled in.",
    "Details below are preliminary.",
    "We are still collecting data from {team}.",
)
