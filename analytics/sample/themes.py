"""The ground-truth catalogue of the synthetic corpus: themes, why-steps, action families.

Each systemic theme is one failure *mechanism* written many ways. Text fragments carry
``{placeholders}`` (service, host, region, numbers) that the generator fills per COE, so that
services and hosts are shared across themes and never hold a theme together. Why-step answers are
written to follow "Because " (lower-case start, no final full stop); the renderers add both.

Vocabulary overlaps on purpose ("config", "deploy", "rollout", "alarm" occur in several themes):
a bag-of-words clusterer should find this corpus hard, an embedding of the mechanism should not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Stage:
    """One step of a why chain: ways to state a fact, and ways to ask why that fact held."""

    answers: tuple[str, ...]
    asks: tuple[str, ...]


@dataclass(frozen=True)
class Family:
    """An action family: one remedy, phrased many ways."""

    id: str
    name: str
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class Theme:
    """A recurring process failure.

    ``stages[0]`` is the proximate cause (the answer to the first why), ``stages[1:]`` the
    deepening steps in order; ``roots`` state the process failure underneath.
    """

    id: str
    name: str
    titles: tuple[str, ...]
    stages: tuple[Stage, ...]
    roots: tuple[str, ...]
    mitigations: tuple[str, ...]
    families: tuple[Family, ...]


def _s(answers: list[str], asks: list[str]) -> Stage:
    return Stage(tuple(answers), tuple(asks))


def _f(fid: str, name: str, phrasings: list[str]) -> Family:
    return Family(fid, name, tuple(phrasings))


THEMES: tuple[Theme, ...] = (
    Theme(
        id="cert-expiry",
        name="Certificate expired with no expiry monitoring",
        titles=(
            "TLS handshake failures on {svc} after certificate expiry",
            "{svc} unreachable: certificate on {host} lapsed",
            "Clients rejected the {svc} endpoint certificate",
            "mTLS failures between {svc2} and {svc}",
            "{svc} HTTPS outage in {region}",
        ),
        stages=(
            _s(
                [
                    "the TLS certificate served by {host} had expired and clients refused the"
                    " handshake",
                    "the certificate on the {svc} load balancer lapsed, so every HTTPS"
                    " connection failed validation",
                    "the client certificate {svc2} presents to {svc} was past its notAfter date",
                ],
                [
                    "Why had the certificate expired?",
                    "Why was the certificate not renewed in time?",
                ],
            ),
            _s(
                [
                    "renewal for {host} was a calendar reminder that went to a mailing list"
                    " nobody read",
                    "the certificate had been issued by hand and was never enrolled in automatic"
                    " renewal",
                    "the renewal job had been failing silently since the issuing CA endpoint moved",
                ],
                ["Why did nobody renew it?", "Why was renewal not automatic?"],
            ),
            _s(
                [
                    "the certificate was in no inventory, so no team knew it was theirs",
                    "ownership of {host} moved to {team} in a reorganisation and the renewal duty"
                    " was not handed over",
                    "the renewal duty was tracked in a personal calendar rather than a team queue",
                ],
                [
                    "Why did no one own the renewal?",
                    "Why was the expiry date not on any team's radar?",
                ],
            ),
            _s(
                [
                    "nothing monitored certificate validity for {svc}",
                    "the expiry scanner only covered public endpoints, not internal listeners"
                    " such as {host}",
                    "expiry warning emails from the CA were filtered as bulk mail",
                ],
                [
                    "Why was nobody warned before the certificate lapsed?",
                    "Why did monitoring not flag the approaching expiry?",
                ],
            ),
            _s(
                [
                    "the launch checklist for {svc} has no item for certificate lifecycle",
                    "there is no standard for registering a certificate when an endpoint is"
                    " created",
                    "issuance goes through a ticket to the security team and nothing links it to"
                    " a renewal workflow",
                ],
                [
                    "Why was expiry monitoring never set up?",
                    "Why did the setup process not include renewal?",
                ],
            ),
        ),
        roots=(
            "certificates are issued and renewed by hand and there is no automated expiry"
            " monitoring or alerting",
            "our certificate lifecycle depends on people remembering renewal dates instead of"
            " automation with expiry alarms",
            "there is no inventory of certificates and no alarm that fires days before one expires",
            "nobody was alerted that the certificate was about to expire because validity is not"
            " a monitored signal",
            "certificate renewal was a manual calendar task with no owner and no expiry alarm as"
            " a safety net",
            "renewal of internally issued certificates was never automated and their expiry is"
            " not tracked anywhere",
            "the platform offers no managed rotation, so each team renews certificates manually"
            " and nobody watches notAfter dates",
            "expiring credentials of this kind are outside every monitor, so the lapse surfaced"
            " only when customers failed to connect",
        ),
        mitigations=(
            "issued a new certificate for {host} and reloaded the listeners",
            "deployed an emergency certificate to the {svc} load balancer",
        ),
        families=(
            _f(
                "cert-automate-renewal",
                "Automate certificate renewal",
                [
                    "Automate renewal of the {host} certificate with ACME",
                    "Stop renewing TLS certs for {svc} by hand and let cert-manager rotate them",
                    "Move {svc} certificate rotation to an automated issuer",
                    "Have the platform reissue {team} endpoint certificates automatically every"
                    " {days} days",
                    "Replace the manual calendar reminder for {host} with a job that renews the"
                    " cert on its own",
                    "Enrol the mTLS certificates of {svc} and {svc2} in auto-renew",
                ],
            ),
            _f(
                "cert-expiry-alarm",
                "Alarm on certificate expiry",
                [
                    "Page {team} when any {svc} certificate is within {days} days of expiring",
                    "Alert 21 days before the notAfter date of the certificate on {host}",
                    "Add a monitor that warns the on-call well before TLS certs on {svc} lapse",
                    "Create an expiry alarm for every certificate served in {region}",
                    "Emit remaining validity of the {host} cert as a metric and alarm below 30"
                    " days",
                    "Notify the {team} on-call queue ahead of certificate expiration instead of"
                    " emailing a list",
                ],
            ),
            _f(
                "cert-inventory",
                "Keep an owned certificate inventory",
                [
                    "Keep an inventory of all {team} certificates with a named owner for each",
                    "Register {host} in the central certificate catalogue along with its owning"
                    " team",
                    "Record every TLS cert used by {svc} in one tracked list, each with an owner",
                    "Build a register of the certificates in {region} that says who is"
                    " responsible for each one",
                    "Catalogue the {svc} and {svc2} certificates and give each one an accountable"
                    " team",
                    "Require new endpoints to list their certificate and its owner in the cert"
                    " inventory at launch",
                ],
            ),
        ),
    ),
    Theme(
        id="config-no-staged-rollout",
        name="Configuration pushed everywhere at once without staged rollout",
        titles=(
            "{svc} errors after a configuration push",
            "Global {svc} outage from a bad config change",
            "Config change took down {svc} in every region",
            "{svc} rejected traffic after settings update",
            "Fleet-wide {svc} failure following a config deploy",
        ),
        stages=(
            _s(
                [
                    "a configuration change set the {svc} connection limit to zero on every host",
                    "a malformed routing entry in the {svc} config made the proxies drop requests"
                    " for {svc2}",
                    "an updated settings file pointed {svc} at a {region} endpoint that does not"
                    " exist",
                ],
                [
                    "Why did the configuration change reach every host?",
                    "Why did the bad settings reach production?",
                ],
            ),
            _s(
                [
                    "config changes for {svc} are applied to all regions in a single push",
                    "the config system propagates a change to the whole fleet within seconds",
                    "the change was pushed with the global scope flag, which is the default in"
                    " the config tool",
                ],
                [
                    "Why was the change applied everywhere at once?",
                    "Why was there no smaller first step?",
                ],
            ),
            _s(
                [
                    "unlike code deploys, configuration changes skip the wave-based pipeline",
                    "the {svc} team treats configuration as data, so it never went through the"
                    " deployment stages",
                    "the config tool has no notion of canary hosts or bake time",
                ],
                [
                    "Why did the config change bypass the deployment waves?",
                    "Why was the change not canaried first?",
                ],
            ),
            _s(
                [
                    "no automated check validated the new values before they were applied",
                    "the schema for the {svc} config file allows any integer, including zero",
                    "the health check that would have triggered an automatic rollback only runs"
                    " for code deploys",
                ],
                [
                    "Why was the bad value not rejected?",
                    "Why did nothing roll the change back automatically?",
                ],
            ),
            _s(
                [
                    "config pushes are considered low risk and are approved without a rollout plan",
                    "the change process for {svc} only requires a peer review of the diff",
                    "we never defined a rollout policy for dynamic configuration",
                ],
                [
                    "Why was a fleet-wide config push allowed?",
                    "Why does the change process permit this?",
                ],
            ),
        ),
        roots=(
            "configuration changes go to the whole fleet at once, with no canary, bake time or"
            " staged rollout",
            "our config pipeline lacks the wave-based deployment and automatic rollback that code"
            " changes get",
            "dynamic configuration is pushed globally in one step, so a single bad value has an"
            " unlimited blast radius",
            "there is no staged rollout for settings changes; a push lands in every region"
            " simultaneously",
            "config edits bypass the deployment safety checks (one-box, canary, region-by-region)"
            " that we rely on for code",
            "we treat configuration as data rather than as a deployment, so it is never rolled"
            " out gradually or validated",
            "the config system applies changes to all hosts at once and nothing halts a bad push",
            "settings changes have no incremental rollout, so the first production exposure was"
            " the entire fleet",
        ),
        mitigations=(
            "reverted the configuration change for {svc}",
            "pushed the previous config version to all regions",
        ),
        families=(
            _f(
                "staged-config-rollout",
                "Roll out configuration in stages",
                [
                    "Push {svc} config changes in waves: one host, then one zone, then the whole"
                    " region",
                    "Adopt staged deployments for dynamic configuration of {svc} with bake time"
                    " between stages",
                    "Send configuration updates to a small slice of {svc} before the rest of the"
                    " fleet",
                    "Route {team} config changes through the wave-based deployment pipeline"
                    " instead of a global push",
                    "Release new settings to {region} first and wait {days} minutes before"
                    " widening the config rollout",
                    "Stop applying configuration fleet-wide in one step and roll it out gradually"
                    " instead",
                ],
            ),
            _f(
                "config-validation",
                "Validate configuration before apply",
                [
                    "Validate the {svc} config file against a schema with allowed ranges before"
                    " apply",
                    "Reject configuration pushes for {svc} that fail validation",
                    "Add a CI check that validates {svc} settings before they are published",
                    "Check limits and endpoints in new config values for errors before they reach"
                    " production",
                    "Dry-run each {svc} configuration change against a production snapshot to"
                    " catch invalid values",
                    "Block config commits whose values break the {team} settings schema",
                ],
            ),
            _f(
                "config-auto-rollback",
                "Roll back bad configuration automatically",
                [
                    "Revert {svc} config automatically when health checks fail after a change",
                    "Restore the last known good configuration of {svc} on its own when errors"
                    " spike",
                    "Automatically undo the latest settings change in {region} when error rates"
                    " rise",
                    "Have the {team} config service roll itself back when errors rise above 2"
                    " percent",
                    "Reinstate the previous {svc} config version automatically when a push"
                    " degrades latency",
                    "Add auto-rollback of bad configuration pushes to the {svc} deployment"
                    " pipeline",
                ],
            ),
        ),
    ),
    Theme(
        id="no-load-test",
        name="Missing load testing and capacity planning",
        titles=(
            "{svc} overloaded during peak traffic",
            "{svc} latency and throttling under a traffic surge",
            "Capacity exhaustion on {svc} in {region}",
            "{svc} fell over during a promotion event",
            "Saturated {svc} fleet caused timeouts for {svc2}",
        ),
        stages=(
            _s(
                [
                    "{svc} ran out of worker threads when traffic reached about three times the"
                    " usual peak",
                    "the {svc} database connection pool was exhausted under the evening peak",
                    "CPU on the {svc} fleet in {region} stayed at saturation and requests queued"
                    " until they timed out",
                ],
                [
                    "Why did {svc} run out of capacity?",
                    "Why could {svc} not absorb the traffic?",
                ],
            ),
            _s(
                [
                    "the fleet was sized for last year's traffic and never re-evaluated",
                    "a marketing campaign doubled traffic and nobody told the service team",
                    "the new {svc2} integration multiplied calls to {svc} per page view",
                ],
                [
                    "Why was the fleet too small for the load?",
                    "Why was the traffic increase not anticipated?",
                ],
            ),
            _s(
                [
                    "the service had never been load tested beyond its launch-day numbers",
                    "the load test environment has a tenth of production capacity, so results"
                    " were extrapolated",
                    "performance tests were dropped from the release pipeline to shorten builds",
                ],
                [
                    "Why was the limit not known in advance?",
                    "Why did testing not reveal the ceiling?",
                ],
            ),
            _s(
                [
                    "autoscaling was capped at {n} instances, a value set at launch",
                    "scaling was driven by CPU while the bottleneck was the connection pool",
                    "the pool size and thread count were fixed values nobody had revisited",
                ],
                [
                    "Why did autoscaling not add capacity?",
                    "Why did scaling not react?",
                ],
            ),
            _s(
                [
                    "there is no recurring capacity review for {team} services",
                    "launch reviews ask for a load test once and never again",
                    "demand forecasts from the business are not shared with service owners",
                ],
                [
                    "Why was capacity never reviewed?",
                    "Why is no one responsible for headroom?",
                ],
            ),
        ),
        roots=(
            "we have no regular load testing or capacity planning, so the real limits of the"
            " service were unknown",
            "capacity is planned once at launch and never revisited against growth or expected"
            " peaks",
            "the service was never load tested at realistic peak volume and its headroom was not"
            " tracked",
            "there is no capacity planning process that links forecasted demand to fleet size and"
            " scaling limits",
            "load tests are not part of the release process, so regressions in throughput reach"
            " production unnoticed",
            "nobody owns headroom: the maximum sustainable load was never measured and scaling"
            " limits were guesses",
            "performance testing at production scale does not exist, so we learn our limits from"
            " outages",
            "peak readiness is not reviewed before known traffic events and scaling limits are"
            " never re-tested",
        ),
        mitigations=(
            "scaled {svc} out manually and raised the pool size",
            "shed non-critical traffic and added instances in {region}",
        ),
        families=(
            _f(
                "load-test-gate",
                "Gate releases on load tests",
                [
                    "Add a load test at twice the forecast peak to the {svc} release pipeline and"
                    " block on failure",
                    "Require {svc} builds to pass a performance test at production scale before"
                    " they ship",
                    "Make a stress run against {svc} and {svc2} a mandatory release stage",
                    "Fail the {svc} deployment when throughput in the benchmark stage regresses"
                    " by 10 percent",
                    "Gate every {team} release on a soak test at peak traffic",
                    "Do not promote a {svc} build until the load-testing step passes at 2x peak",
                ],
            ),
            _f(
                "capacity-planning-review",
                "Review capacity against forecasts",
                [
                    "Hold a quarterly capacity review of {svc} against the demand forecast",
                    "Compare provisioned capacity of {team} services with projected traffic every"
                    " quarter",
                    "Plan {svc} capacity ahead of marketing events using the traffic forecast",
                    "Set up a recurring headroom review for {svc} in {region} based on growth"
                    " projections",
                    "Forecast peak demand for {svc} each quarter and provision to meet it",
                    "Put {svc} on the quarterly capacity planning cycle with sign-off from {team}",
                ],
            ),
            _f(
                "autoscaling-limits",
                "Raise the autoscaling ceiling",
                [
                    "Raise the autoscaling maximum for {svc} to three times the usual peak"
                    " instance count",
                    "Lift the fixed cap of {n} instances on the {svc} scaling group",
                    "Increase the max size of {team} auto scaling groups so scale-out is not"
                    " blocked at peak",
                    "Let {svc} scale out past its old ceiling of {n} hosts",
                    "Remove the hard instance limit that stopped {svc} from growing under load",
                    "Set the upper bound of the {svc} scaling group from measured peak plus 50"
                    " percent",
                ],
            ),
        ),
    ),
    Theme(
        id="retry-storm",
        name="Retry storm without backoff or retry budget",
        titles=(
            "Retry storm overwhelmed {svc}",
            "{svc} could not recover after a brief blip",
            "Cascading failure from {svc2} retries against {svc}",
            "{svc} brownout amplified by client retries",
            "Thundering herd on {svc} in {region}",
        ),
        stages=(
            _s(
                [
                    "{svc} received many times its normal request rate after a short failover",
                    "a brief latency spike in {svc} triggered retries from every caller at once",
                    "{svc2} clients kept hammering {svc} while it was restarting",
                ],
                [
                    "Why did request volume multiply?",
                    "Why did a short blip become a long outage?",
                ],
            ),
            _s(
                [
                    "the {svc2} client retried each failed call up to {n} times immediately",
                    "every layer of the call path retried independently, multiplying attempts",
                    "the SDK used by {svc2} retried timeouts with no delay between attempts",
                ],
                [
                    "Why did clients send so many retries?",
                    "Why were the retries so aggressive?",
                ],
            ),
            _s(
                [
                    "the retry policy had no exponential backoff or jitter",
                    "the retry settings were copied from an old template with backoff disabled",
                    "retries were synchronised because all clients used the same fixed interval",
                ],
                [
                    "Why was there no backoff?",
                    "Why did the retries arrive in waves?",
                ],
            ),
            _s(
                [
                    "there was no retry budget capping retries as a share of traffic",
                    "no circuit breaker stopped calls to a dependency that was already failing",
                    "{svc} had no load shedding, so it spent its capacity on requests that would"
                    " time out",
                ],
                [
                    "Why did nothing limit the retries?",
                    "Why did {svc} not protect itself?",
                ],
            ),
            _s(
                [
                    "we have no shared client library that enforces retry behaviour",
                    "design reviews do not look at how clients behave when a dependency fails",
                    "resilience testing never exercised a dependency outage for {svc}",
                ],
                [
                    "Why did each client choose its own retry behaviour?",
                    "Why was this behaviour not caught earlier?",
                ],
            ),
        ),
        roots=(
            "clients retry without exponential backoff, jitter or a retry budget, so a brief"
            " failure turns into a retry storm",
            "there is no standard retry policy: every caller retries immediately and without"
            " limit, amplifying load on a struggling service",
            "retries are unbounded and unsynchronised with backoff, and no circuit breaker sheds"
            " the amplified traffic",
            "our clients lack retry budgets and backoff, so recovery is impossible while they"
            " keep resending",
            "nested retries at every layer multiply request volume when a dependency slows down",
            "we never adopted a shared resilience library, so naive immediate retries are"
            " everywhere",
            "the retry configuration has no backoff or cap, which turns partial failures into"
            " self-inflicted overload",
            "no mechanism limits retry amplification (backoff, jitter, budgets or breakers) on the"
            " calls into the service",
        ),
        mitigations=(
            "blocked {svc2} traffic at the gateway until {svc} recovered",
            "disabled client retries with a config flag and restarted {svc}",
        ),
        families=(
            _f(
                "retry-backoff-jitter",
                "Use exponential backoff with jitter",
                [
                    "Add exponential backoff with full jitter to the {svc2} client for {svc}",
                    "Replace fixed-interval retries in the {team} SDK with randomised, growing"
                    " delays",
                    "Space out retries from {svc} clients exponentially and add random jitter",
                    "Make callers of {svc} wait longer after each failed attempt, with randomness"
                    " so they do not synchronise",
                    "Switch the {svc2} retry policy from immediate retries to capped backoff with"
                    " jitter",
                    "Double the delay between attempts to reach {svc} each time, starting at 100"
                    " ms, plus jitter",
                ],
            ),
            _f(
                "retry-budget",
                "Cap retries with a retry budget",
                [
                    "Add a retry budget limiting retries to 10 percent of requests in the {svc2}"
                    " client",
                    "Enforce a token-bucket cap on retries in the {team} service mesh",
                    "Stop retrying calls to {svc} once retries exceed 10 percent of traffic",
                    "Limit the share of retried requests per caller of {svc} to a fixed ratio",
                    "Give each client of {svc} a retry allowance and drop retries beyond it",
                    "Cap retry amplification toward {svc} at 1.1 times the original request rate",
                ],
            ),
            _f(
                "circuit-breaker",
                "Add a circuit breaker",
                [
                    "Add a circuit breaker around calls from {svc2} to {svc}",
                    "Trip a breaker and fail fast in {svc2} when the {svc} error rate passes 50"
                    " percent",
                    "Stop calling {svc} for 30 seconds after consecutive failures, then let one"
                    " trial request through",
                    "Wrap the {svc} client in a circuit breaker that short-circuits requests"
                    " while the dependency is unhealthy",
                    "Enable circuit breaking in the {team} service mesh for traffic to {svc}",
                    "Make {svc2} open the circuit to a failing {svc} and close it again after a"
                    " cool-down",
                ],
            ),
        ),
    ),
    Theme(
        id="alarm-gap",
        name="Alarm missing or thresholds wrong",
        titles=(
            "Silent {svc} failure went unnoticed",
            "Customers reported {svc} errors before we did",
            "Delayed detection of {svc} degradation",
            "{svc} partial outage in {region} not alarmed",
            "Late response to {svc} failures",
        ),
        stages=(
            _s(
                [
                    "{svc} had been failing for a long time before anyone was paged",
                    "the first signal of the {svc} failure was a customer support ticket",
                    "a partial failure of {svc} in {region} continued until a customer escalated",
                ],
                [
                    "Why was the failure not detected sooner?",
                    "Why did our alarms not page anyone?",
                ],
            ),
            _s(
                [
                    "the error-rate alarm on {svc} was set at 50 percent, far above what customers"
                    " notice",
                    "no alarm existed for the failing {svc} endpoint",
                    "the alarm measured the average over the whole fleet, which hid one bad region",
                ],
                [
                    "Why did the alarm not fire?",
                    "Why did the threshold not catch the failure?",
                ],
            ),
            _s(
                [
                    "thresholds were copied from another service when {svc} launched",
                    "alarms were tuned up after a noisy week and never tuned back",
                    "the metric the alarm used stopped being emitted after a refactor and the"
                    " alarm treated missing data as healthy",
                ],
                [
                    "Why was the threshold wrong?",
                    "Why was the alarm ineffective?",
                ],
            ),
            _s(
                [
                    "nobody reviews alarm coverage when new endpoints are added",
                    "alarms are not tested, so a silent one looks the same as a healthy one",
                    "there is no synthetic canary exercising the customer path of {svc}",
                ],
                [
                    "Why was the gap not noticed?",
                    "Why did no other signal catch it?",
                ],
            ),
            _s(
                [
                    "alarm definitions are not part of the service's reviewed code",
                    "the operational readiness review checks that alarms exist, not that they work",
                    "we have no standard for which customer-facing signals must be monitored",
                ],
                [
                    "Why is alarm quality not reviewed?",
                    "Why does our process allow unmonitored endpoints?",
                ],
            ),
        ),
        roots=(
            "alarm thresholds were never validated against customer-visible failure, so the alarm"
            " stayed quiet during the outage",
            "there is no review of alarm coverage, and endpoints go live without an alarm on"
            " their error rate",
            "our alarms are neither tested nor reviewed, so missing or mis-set alarms are only"
            " found during incidents",
            "detection depends on alarms with wrong thresholds and no synthetic checks of the"
            " customer path",
            "the alarm treated missing data as healthy and nothing checks that alarms can fire",
            "monitoring gaps are not tracked: no one owns alarm coverage for the service",
            "we detect failures through customers because the alarm was set too loosely to catch"
            " a partial outage",
            "no process keeps alarms in step with the service, so coverage decayed as endpoints"
            " changed",
        ),
        mitigations=(
            "restarted the failing {svc} hosts in {region}",
            "failed over {svc} traffic to a healthy region",
        ),
        families=(
            _f(
                "alarm-coverage-review",
                "Alarm on every endpoint",
                [
                    "Add error-rate and latency alarms for every public endpoint of {svc}",
                    "Close the alarm coverage gaps so that each {svc} API has availability and"
                    " latency alerts",
                    "Audit {team} services and add an alarm to each endpoint that has none",
                    "Generate default alarms for every new {svc} endpoint from the service"
                    " definition",
                    "Instrument all customer-facing {svc} operations with error and latency"
                    " monitors",
                    "Require each {svc} API to ship with alerting on failures and slowness before"
                    " launch",
                ],
            ),
            _f(
                "alarm-threshold-tuning",
                "Set thresholds from customer impact",
                [
                    "Lower the {svc} error-rate alarm threshold to 2 percent over five minutes",
                    "Derive {svc} alert thresholds from its availability objective rather than"
                    " guesswork",
                    "Retune {team} alarm limits against the last 90 days of customer-impacting"
                    " errors",
                    "Set the {svc} paging threshold at the error level customers actually notice",
                    "Tighten the trigger level of the {svc} latency alarm to p99 above 800 ms",
                    "Recalibrate {svc} alarms to fire at a 1 percent failure rate instead of 20"
                    " percent",
                ],
            ),
            _f(
                "synthetic-canary",
                "Add synthetic canaries",
                [
                    "Add a synthetic canary that exercises the {svc} checkout path every minute",
                    "Probe {svc} from every region with scripted synthetic transactions",
                    "Run a synthetic end-to-end request from {svc2} through {svc} every minute"
                    " and page on failure",
                    "Simulate a customer journey against {svc} every 60 seconds with a synthetic"
                    " monitor",
                    "Set up a synthetic probe that calls {svc} in {region} like a customer and"
                    " alerts when it fails",
                    "Deploy blackbox canary probes that exercise {host} the way a real user would",
                ],
            ),
        ),
    ),
    Theme(
        id="schema-migration-lock",
        name="Schema migration locked a table without review",
        titles=(
            "{svc} writes blocked during a schema migration",
            "Database lock from migration stalled {svc}",
            "{svc} timeouts after deploying a migration",
            "Table lock on {table} took down {svc}",
            "{svc} degraded during database change",
        ),
        stages=(
            _s(
                [
                    "every write to the {table} table waited on a lock held by a migration",
                    "the {svc} database stopped serving queries on {table} while an ALTER TABLE"
                    " ran",
                    "connection slots on the {svc} database filled with sessions blocked by the"
                    " migration",
                ],
                [
                    "Why was the table locked?",
                    "Why did the migration block traffic?",
                ],
            ),
            _s(
                [
                    "the migration added a column with a default, which rewrote all {rows} rows"
                    " under an exclusive lock",
                    "the migration built an index without the concurrent option",
                    "the migration changed a column type, forcing a full table rewrite",
                ],
                [
                    "Why did the migration take such a lock?",
                    "Why did the migration hold the lock so long?",
                ],
            ),
            _s(
                [
                    "it was tested against a staging database with a few thousand rows",
                    "staging data is a small fixture, so the rewrite finished in seconds there",
                    "nobody measured how long the migration would run on production volume",
                ],
                [
                    "Why was this not found in testing?",
                    "Why did staging not show the problem?",
                ],
            ),
            _s(
                [
                    "migrations ship inside the normal application deployment and run on startup",
                    "the migration ran during peak hours because deployments are not scheduled"
                    " around database work",
                    "no lock timeout was set, so the migration waited and then blocked everyone"
                    " behind it",
                ],
                [
                    "Why did it run in production at that time?",
                    "Why did nothing stop the migration?",
                ],
            ),
            _s(
                [
                    "schema changes do not get a database review before merge",
                    "there is no checklist for locking behaviour of DDL statements",
                    "the deployment pipeline treats migrations like any other code change",
                ],
                [
                    "Why was the locking behaviour not caught in review?",
                    "Why are migrations not reviewed separately?",
                ],
            ),
        ),
        roots=(
            "schema migrations are deployed without review of their locking behaviour, so a"
            " blocking DDL ran on a large production table",
            "migrations are never rehearsed on production-sized data and run with no lock timeout",
            "our process has no database review step; any migration can take an exclusive lock"
            " during peak",
            "DDL is shipped as part of application deploys without online migration tooling or"
            " checks for table rewrites",
            "nobody checks whether a migration rewrites or locks the table before it reaches"
            " production",
            "the migration path lacks guard rails: no lock timeouts, no size-aware testing, no"
            " DBA sign-off",
            "blocking schema changes can be merged because review does not cover how long locks"
            " are held at production volume",
            "we lack an online schema change process, so migrations hold locks on live tables",
        ),
        mitigations=(
            "cancelled the migration and restarted blocked {svc} sessions",
            "killed the migration session holding the lock on {table}",
        ),
        families=(
            _f(
                "migration-review",
                "Review migrations before merge",
                [
                    "Require DBA review for every migration touching {table}",
                    "Have a database engineer approve {svc} schema migrations before merge",
                    "Add a locking checklist to the review of each {team} schema migration",
                    "Route DDL pull requests for {table} to the database owners for review",
                    "Hold risky schema migrations for manual review by the DBAs before merge",
                    "Let no schema change to {svc} merge without a second reviewer checking its"
                    " locking impact",
                ],
            ),
            _f(
                "online-migration-tooling",
                "Use online schema change tooling",
                [
                    "Adopt an online schema change tool such as gh-ost for {svc} databases",
                    "Run {table} alterations through pt-online-schema-change instead of a plain"
                    " ALTER TABLE",
                    "Apply {svc} schema changes with a non-blocking online migration tool",
                    "Build indexes on {table} concurrently and change its columns with online"
                    " schema change tooling",
                    "Switch the {team} migration runner to online DDL that does not lock tables",
                    "Perform large table changes on {svc} with shadow-table migrations that do"
                    " not block writes",
                ],
            ),
            _f(
                "lock-timeout-guard",
                "Guard migrations with lock timeouts",
                [
                    "Set lock_timeout and statement_timeout for all {svc} migrations",
                    "Abort any migration that waits more than five seconds for a lock on {table}",
                    "Make the {team} migration runner time out quickly instead of queueing behind"
                    " locks",
                    "Cap lock waits of {svc} DDL at 5 seconds and retry later",
                    "Configure a short lock timeout so that schema changes on {table} fail fast",
                    "Cancel a migration on {svc} automatically when its lock wait exceeds 10"
                    " seconds",
                ],
            ),
        ),
    ),
    Theme(
        id="dependency-upgrade-no-canary",
        name="Dependency upgrade deployed without canary",
        titles=(
            "{svc} failures after upgrading {dep}",
            "Library upgrade broke {svc}",
            "{svc} crash loop following a dependency bump",
            "{dep} {ver_new} regression took down {svc}",
            "{svc} errors after runtime upgrade",
        ),
        stages=(
            _s(
                [
                    "{svc} started failing requests right after a deploy that upgraded {dep}"
                    " from {ver_old} to {ver_new}",
                    "the new version of {dep} changed its default timeout and calls to {svc2}"
                    " failed",
                    "{svc} processes crashed on start with the upgraded {dep} library",
                ],
                [
                    "Why did the upgrade break {svc}?",
                    "Why did the new library version fail in production?",
                ],
            ),
            _s(
                [
                    "{dep} {ver_new} contained a behaviour change listed only in the upstream"
                    " release notes",
                    "the upgrade pulled in a transitive dependency with an incompatible API",
                    "the library's serialisation format changed between versions",
                ],
                [
                    "Why was the breaking change not noticed?",
                    "Why did the change go unnoticed before release?",
                ],
            ),
            _s(
                [
                    "the automated dependency bot merged the upgrade after unit tests passed",
                    "our tests mock {dep}, so they never exercised the new behaviour",
                    "integration tests against {svc2} are not part of the pipeline",
                ],
                [
                    "Why did the tests pass?",
                    "Why did the pipeline accept it?",
                ],
            ),
            _s(
                [
                    "the deploy went to all hosts at once, with no canary stage",
                    "the canary stage for {svc} had been disabled to speed up releases",
                    "the change was labelled a routine dependency bump and skipped the one-box"
                    " stage",
                ],
                [
                    "Why did it reach every host?",
                    "Why was the blast radius not limited?",
                ],
            ),
            _s(
                [
                    "dependency upgrades are treated as low risk and bypass the normal release"
                    " controls",
                    "there is no policy requiring canaries for library changes",
                    "the release checklist has no step for reading upstream changelogs",
                ],
                [
                    "Why do dependency upgrades skip the controls?",
                    "Why was a canary not required?",
                ],
            ),
        ),
        roots=(
            "dependency upgrades are deployed fleet-wide without a canary, so a breaking change"
            " reached every host",
            "library bumps are auto-merged and released with no canary or integration test"
            " against real dependencies",
            "we treat dependency updates as routine and skip the one-box and canary stages for"
            " them",
            "no canary or bake period protects production from regressions in third-party"
            " libraries",
            "upgrades of shared libraries go out to all hosts in one step and tests mock the"
            " library away",
            "the release process lets version bumps bypass incremental deployment",
            "there is no compatibility testing or canarying of new dependency versions before"
            " they serve customer traffic",
            "automated upgrade tooling ships new library versions straight to production without"
            " staged exposure",
        ),
        mitigations=(
            "rolled {svc} back to the build with {dep} {ver_old}",
            "pinned {dep} to {ver_old} and redeployed {svc}",
        ),
        families=(
            _f(
                "canary-dependency-upgrades",
                "Canary dependency upgrades",
                [
                    "Require a canary stage with a one-hour bake for dependency upgrades of {svc}",
                    "Deploy {dep} library upgrades to one host per region before the whole fleet",
                    "Route library version bumps in {svc} through a canary rollout like feature"
                    " code",
                    "Ship new versions of third-party packages to a small canary slice of {svc}"
                    " first",
                    "Roll {dep} {ver_new} out to {team} hosts gradually, starting with a single"
                    " canary",
                    "Make the canary phase mandatory whenever {svc} picks up a new dependency"
                    " release",
                ],
            ),
            _f(
                "dependency-pinning",
                "Pin dependency versions",
                [
                    "Pin {dep} and its transitive dependencies with a lock file",
                    "Lock the {svc} build to exact dependency versions instead of version ranges",
                    "Pin {dep} at {ver_old} in {svc} until an upgrade is planned",
                    "Block unpinned dependency ranges in the {svc} build",
                    "Commit a lockfile for {team} services so that dependency versions change"
                    " only on purpose",
                    "Stop using floating version specifiers for third-party libraries in {svc}",
                ],
            ),
            _f(
                "dependency-compat-tests",
                "Test dependency compatibility",
                [
                    "Add integration tests of {svc} against the upgraded {dep} before release",
                    "Run contract tests for the {dep} behaviour that {svc} relies on",
                    "Test {svc} against new library versions in CI before a dependency upgrade"
                    " merges",
                    "Check that {dep} {ver_new} is still compatible with the messages {svc2}"
                    " expects",
                    "Build a compatibility test suite that runs whenever a {svc} dependency"
                    " changes",
                    "Verify third-party library upgrades against a real {svc2} instance in the"
                    " test pipeline",
                ],
            ),
        ),
    ),
    Theme(
        id="manual-runbook-step",
        name="Error-prone manual operational step without automation",
        titles=(
            "{svc} capacity removed during manual maintenance",
            "Manual operation took {svc} offline",
            "{svc} outage during a runbook procedure",
            "Wrong hosts drained on {svc} in {region}",
            "{svc} data path interrupted by maintenance command",
        ),
        stages=(
            _s(
                [
                    "a maintenance command removed most of the {svc} hosts in {region} from"
                    " service",
                    "the wrong cluster was drained during planned work on {svc}",
                    "a manual failover step was run against production instead of staging",
                ],
                [
                    "Why was the wrong target affected?",
                    "Why did the maintenance remove so much capacity?",
                ],
            ),
            _s(
                [
                    "the runbook asks the operator to paste a host pattern, and the pattern"
                    " matched far more hosts than intended",
                    "the procedure has {n} manual steps and two of them were run in the wrong"
                    " order",
                    "the command-line tool accepted a cluster name typed by hand with no"
                    " confirmation",
                ],
                [
                    "Why could one command do so much damage?",
                    "Why was the step so easy to get wrong?",
                ],
            ),
            _s(
                [
                    "the tool has no guard rail limiting how much capacity one command may remove",
                    "there is no dry-run mode showing which hosts would be affected",
                    "the runbook had not been updated after the cluster naming scheme changed",
                ],
                [
                    "Why did the tooling allow it?",
                    "Why did the runbook not prevent it?",
                ],
            ),
            _s(
                [
                    "the procedure runs a few times a year, so it was never automated",
                    "automation of this task has been in the backlog for two years",
                    "the team relies on operator care rather than tooling for rare tasks",
                ],
                [
                    "Why is this still a manual procedure?",
                    "Why was the task not automated?",
                ],
            ),
            _s(
                [
                    "operational toil is not prioritised against feature work",
                    "there is no review of risky manual procedures in the ops review",
                    "change management approves manual work without checking safety controls",
                ],
                [
                    "Why was the automation not prioritised?",
                    "Why does our process tolerate risky manual steps?",
                ],
            ),
        ),
        roots=(
            "a risky operational procedure is still a manual runbook with free-text input and no"
            " guard rails",
            "the maintenance relies on operators typing commands by hand instead of automation"
            " with validation and dry runs",
            "rare but dangerous procedures were never automated, and the tooling allows a single"
            " command to remove most capacity",
            "the runbook is error-prone, unvalidated and out of date, and nothing limits the"
            " blast radius of a manual step",
            "we depend on manual steps for production changes without two-person checks,"
            " confirmations or capacity limits",
            "operational tooling lacks safety checks, so a hand-typed target hit production",
            "toil that carries outage risk is not prioritised for automation",
            "the procedure has no automated pre-checks and the command line offers no scoped"
            " confirmation",
        ),
        mitigations=(
            "returned the drained {svc} hosts to service",
            "re-ran the failover in reverse and restored {svc} capacity",
        ),
        families=(
            _f(
                "automate-runbook-step",
                "Automate the manual procedure",
                [
                    "Automate the {svc} host drain procedure end to end",
                    "Replace the manual {svc} failover steps with an automated workflow",
                    "Turn the {n}-step manual maintenance procedure into a single automated job",
                    "Script the {team} cluster maintenance so that nobody types commands by hand",
                    "Convert the hand-run {svc} operation into a self-service automation",
                    "Stop doing the {svc} maintenance manually and run it as a scheduled"
                    " automated pipeline",
                ],
            ),
            _f(
                "ops-tool-guardrails",
                "Add guard rails to operational tools",
                [
                    "Limit any single drain command in the ops tool to 10 percent of {svc}"
                    " capacity",
                    "Make the operations CLI refuse commands that would leave {svc} below minimum"
                    " capacity",
                    "Add a blast-radius limit to the {team} ops tool so that one command cannot"
                    " take out a cluster",
                    "Have the maintenance tooling reject commands that target too many {svc}"
                    " hosts at once",
                    "Cap how many {svc} instances a single operator command can act on",
                    "Add a safety guard to the ops CLI that blocks commands affecting more than"
                    " one cluster",
                ],
            ),
            _f(
                "runbook-review",
                "Keep runbooks reviewed and current",
                [
                    "Review the {svc} runbook every quarter and after every topology change",
                    "Assign an owner and a periodic review date to every {team} runbook",
                    "Re-validate the {svc} operational procedures each quarter and fix stale steps",
                    "Keep the {svc} runbook current by checking it against the live setup twice a"
                    " year",
                    "Put the {team} runbooks on a quarterly freshness review",
                    "Schedule periodic reviews of the {svc} playbook so that outdated steps are"
                    " caught",
                ],
            ),
        ),
    ),
    Theme(
        id="unsafe-flag-default",
        name="Feature flag with unsafe default",
        titles=(
            "{svc} behaviour change from feature flag {flag}",
            "Unreleased feature exposed on {svc}",
            "{svc} errors after flag evaluation fell back to default",
            "Feature flag {flag} enabled for all customers",
            "{svc} regression from flag service outage",
        ),
        stages=(
            _s(
                [
                    "the flag {flag} evaluated to on for every customer of {svc}",
                    "an unfinished code path behind {flag} started serving production traffic",
                    "{svc} switched to the new storage format for all tenants at once",
                ],
                [
                    "Why was the flag on for everyone?",
                    "Why did the unfinished path go live?",
                ],
            ),
            _s(
                [
                    "the flag service in {region} timed out and the client fell back to the"
                    " coded default",
                    "the flag was deleted during a clean-up and the code default applied",
                    "a new {svc} release shipped with the flag's default set to enabled",
                ],
                [
                    "Why did the default apply?",
                    "Why did the flag take its fallback value?",
                ],
            ),
            _s(
                [
                    "the default value in code was enabled, which is unsafe for a feature still"
                    " in development",
                    "the default was chosen for local development convenience",
                    "flags default to the new behaviour so that tests cover it",
                ],
                [
                    "Why was the default enabled?",
                    "Why was an unsafe default chosen?",
                ],
            ),
            _s(
                [
                    "flag defaults are not reviewed when a flag is added",
                    "nothing tests what happens when the flag service is unavailable",
                    "the flag clean-up job does not check which code still reads a flag",
                ],
                [
                    "Why was the unsafe default not caught?",
                    "Why did nothing test the fallback?",
                ],
            ),
            _s(
                [
                    "there is no standard for feature flag defaults and lifecycle",
                    "the feature flag guide does not mention failure behaviour",
                    "flag changes are not treated as production changes",
                ],
                [
                    "Why is there no rule about defaults?",
                    "Why does the process allow this?",
                ],
            ),
        ),
        roots=(
            "feature flags default to the new, unsafe behaviour when the flag cannot be read",
            "flag defaults are unreviewed and fail open, so an outage of the flag service"
            " released an unfinished feature",
            "there is no rule that flags must fail safe, and no test covers the fallback value",
            "we have no flag lifecycle: defaults, removals and failure behaviour are not reviewed",
            "the code default for the flag enabled the feature, so a missing flag value changed"
            " production behaviour",
            "feature toggles are added without a safe default or a test of the path taken when"
            " evaluation fails",
            "flag changes and removals bypass change review even though they alter production"
            " behaviour",
            "toggles fail open by convention, so any evaluation problem exposes unreleased code",
        ),
        mitigations=(
            "forced {flag} off with a static override in {svc}",
            "redeployed {svc} with the flag default switched off",
        ),
        families=(
            _f(
                "safe-flag-defaults",
                "Make flags fail safe",
                [
                    "Set the default value of the {flag} feature flag to off in {svc}",
                    "Make {svc} feature flags default to off when the flag service is unreachable",
                    "Change the fallback of {flag} to the old code path when the flag value"
                    " cannot be read",
                    "Have feature flag clients in {team} services fail safe to disabled",
                    "Default every {svc} feature toggle to off so that an unreadable flag never"
                    " enables new code",
                    "Flip the built-in default of {flag} to disabled so that outages of the flag"
                    " service are harmless",
                ],
            ),
            _f(
                "flag-change-review",
                "Review flag changes like deployments",
                [
                    "Require review and approval for every feature flag change in {svc}",
                    "Treat toggling {flag} as a production change that needs a second approver",
                    "Send {team} feature flag edits through change review before they go live",
                    "Add a peer approval step before anyone flips a production feature flag for"
                    " {svc}",
                    "Gate feature flag updates in {region} behind the same review as a deploy",
                    "Have a second engineer approve each {svc} flag change along with its"
                    " rollback plan",
                ],
            ),
            _f(
                "flag-lifecycle",
                "Remove stale flags",
                [
                    "Remove stale feature flags from {svc} every quarter",
                    "Give each {team} feature flag an expiry date and delete it once that passes",
                    "Clean up feature toggles in {svc} that have been fully rolled out for 30 days",
                    "Delete {flag} and other dead feature flags from the {svc} codebase once"
                    " fully launched",
                    "Add a CI check that fails when a feature flag outlives its removal date",
                    "Schedule regular removal of obsolete feature switches in {svc}",
                ],
            ),
        ),
    ),
    Theme(
        id="dns-change-unvalidated",
        name="DNS or TTL change not validated",
        titles=(
            "{svc} unreachable after DNS change",
            "Name resolution failures for {record}",
            "{svc2} could not reach {svc} after record update",
            "DNS cutover of {svc} went wrong",
            "{svc} traffic black-holed by DNS update",
        ),
        stages=(
            _s(
                [
                    "the record {record} pointed at a decommissioned load balancer",
                    "clients resolved {record} to an address in the wrong region",
                    "the DNS record for {svc} disappeared from the zone",
                ],
                [
                    "Why did the record point to the wrong place?",
                    "Why did resolution break?",
                ],
            ),
            _s(
                [
                    "a DNS change for the {svc} migration was applied with the wrong target",
                    "a zone file update removed the record while adding a new one",
                    "the cutover changed the record before the new endpoint was serving",
                ],
                [
                    "Why was the change wrong?",
                    "Why did the DNS change go out in that state?",
                ],
            ),
            _s(
                [
                    "the change was not validated by resolving the name after applying it",
                    "no check compared the zone before and after the change",
                    "there was no test that the new target answered health checks",
                ],
                [
                    "Why was the error not caught right away?",
                    "Why did nobody notice after the change?",
                ],
            ),
            _s(
                [
                    "the TTL was {ttl_old} seconds, so the bad answer stayed cached long after"
                    " the fix",
                    "the TTL had not been lowered ahead of the cutover",
                    "resolvers kept the wrong answer for hours because of a long TTL",
                ],
                [
                    "Why did the outage last so long?",
                    "Why did the fix take so long to take effect?",
                ],
            ),
            _s(
                [
                    "DNS changes are made by hand in the provider console",
                    "DNS is not managed as code, so changes have no review or plan output",
                    "the cutover checklist does not mention TTLs or post-change checks",
                ],
                [
                    "Why were there no checks?",
                    "Why does the DNS process allow unvalidated changes?",
                ],
            ),
        ),
        roots=(
            "DNS changes are applied manually without validation, and the TTL was not lowered"
            " before the change",
            "record updates go out with no pre-change plan, no post-change resolution check and"
            " a long TTL that prolongs any wrong answer",
            "we do not manage DNS as reviewed code, so a wrong record target went live unchecked",
            "there is no cutover procedure that lowers TTLs first and verifies resolution"
            " afterwards",
            "zone changes are not diffed or tested, and cached answers kept the broken record"
            " alive",
            "the DNS change process lacks validation of targets and planning of TTLs",
            "name resolution changes bypass change review and health verification of the new"
            " target",
            "a long TTL combined with an unverified record change made a small error an"
            " hours-long outage",
        ),
        mitigations=(
            "restored the previous value of {record} and flushed resolver caches",
            "pointed {record} back at the old load balancer",
        ),
        families=(
            _f(
                "dns-as-code",
                "Manage DNS as reviewed code",
                [
                    "Move the {svc} DNS zone into infrastructure as code with review",
                    "Manage {record} as code in the reviewed DNS repository",
                    "Define {team} DNS records in Terraform instead of editing them in the console",
                    "Keep all production DNS records in version control and change them by pull"
                    " request",
                    "Edit {record} only through reviewed DNS code in Git",
                    "Replace hand edits of {svc} DNS entries with declarative code applied by CI",
                ],
            ),
            _f(
                "dns-change-validation",
                "Validate DNS changes",
                [
                    "Resolve {record} from several regions after each DNS change and roll back on"
                    " mismatch",
                    "Check that a new DNS target is healthy before switching the record to it",
                    "Verify {svc} DNS resolution automatically after every record update",
                    "Add a post-change DNS lookup of {record} that compares answers with the"
                    " intended target",
                    "Test that {record} resolves correctly from {region} before closing a DNS"
                    " change",
                    "Run automated DNS queries after each {svc} zone edit to confirm the answers"
                    " are right",
                ],
            ),
            _f(
                "dns-ttl-planning",
                "Lower TTLs before cutovers",
                [
                    "Lower DNS TTLs to {ttl_new} seconds a day before a cutover",
                    "Reduce the TTL of {record} ahead of any migration",
                    "Cut the time-to-live of {svc} records to {ttl_new} s at least 24 hours"
                    " before a switch",
                    "Drop the TTL of {record} from {ttl_old} to {ttl_new} seconds before changing"
                    " its target",
                    "Shorten record TTLs on {team} names before a cutover so that rollback"
                    " propagates quickly",
                    "Make TTL reduction an automated pre-step of {svc} DNS cutovers",
                ],
            ),
        ),
    ),
    Theme(
        id="backup-restore-untested",
        name="Backups never restore-tested",
        titles=(
            "{svc} data recovery took far longer than planned",
            "Unable to restore {svc} from backup",
            "{svc} data loss after failed restore",
            "Extended {svc} outage during recovery",
            "{table} restore failure on {svc}",
        ),
        stages=(
            _s(
                [
                    "the {svc} database had to be restored after a storage failure and the"
                    " restore failed",
                    "the most recent usable {svc} backup was {days} days old",
                    "restoring {table} from backup took many hours longer than the recovery"
                    " objective",
                ],
                [
                    "Why did the restore fail?",
                    "Why was recovery so slow?",
                ],
            ),
            _s(
                [
                    "the backups were incomplete because the job skipped tables added since setup",
                    "the backup files were encrypted with a key that had been rotated away",
                    "the restore procedure depended on a tool version that no longer existed",
                ],
                [
                    "Why were the backups unusable?",
                    "Why did the procedure not work?",
                ],
            ),
            _s(
                [
                    "nobody had ever restored a {svc} backup end to end",
                    "backups were verified only by checking that the job exited successfully",
                    "restore drills were planned but never scheduled",
                ],
                [
                    "Why was this not found earlier?",
                    "Why did verification miss it?",
                ],
            ),
            _s(
                [
                    "backup monitoring measures job success, not restorability",
                    "the recovery runbook was written at launch and never exercised",
                    "the recovery objective was set without measuring real restore time",
                ],
                [
                    "Why did monitoring look healthy?",
                    "Why was the runbook untested?",
                ],
            ),
            _s(
                [
                    "no policy requires periodic restore testing",
                    "disaster recovery readiness is not part of the ops review",
                    "backup ownership is split between the storage platform and {team}",
                ],
                [
                    "Why were restores never tested?",
                    "Why does our process not require restore tests?",
                ],
            ),
        ),
        roots=(
            "backups are taken but never restore-tested, so we found they were unusable only"
            " when we needed them",
            "we verify that backup jobs run, not that data can be restored, and no restore drill"
            " exists",
            "there is no periodic restore test and the recovery runbook had never been exercised",
            "recovery objectives were never validated by an actual restore, so the real restore"
            " time was unknown",
            "restore capability is assumed rather than tested; backup monitoring watches job"
            " status only",
            "no one owns end-to-end recovery, so broken backups went unnoticed",
            "disaster recovery drills are not part of our process, and backup coverage drifted"
            " from the schema",
            "backup verification stops at job completion, with no test restores",
        ),
        mitigations=(
            "rebuilt {table} from the event log and replayed recent writes",
            "restored {svc} from an older snapshot and reconciled missing data",
        ),
        families=(
            _f(
                "restore-drills",
                "Run regular restore drills",
                [
                    "Run a monthly restore drill for the {svc} database",
                    "Restore a random {svc} backup into an isolated account every week",
                    "Practise full recovery of {table} from backup every quarter",
                    "Hold a disaster recovery game day for {team} where data is brought back from"
                    " snapshots",
                    "Rehearse bringing {svc} back from its latest snapshot twice a year",
                    "Schedule recurring test recoveries of every {team} datastore",
                ],
            ),
            _f(
                "backup-verification",
                "Verify backups automatically",
                [
                    "Verify every {svc} backup automatically with checksums after it is written",
                    "Alarm when any {svc} table is missing from the backup set",
                    "Validate that each nightly snapshot of {table} is complete and decryptable",
                    "Add an automated integrity check to the {team} backup job",
                    "Compare the backup set with the live schema daily and alert on gaps",
                    "Check age and completeness of {svc} backups and page if a snapshot fails"
                    " verification",
                ],
            ),
            _f(
                "recovery-runbook",
                "Maintain the recovery runbook",
                [
                    "Rewrite the {svc} data recovery runbook using current tooling",
                    "Document a step-by-step procedure for recovering {svc} data",
                    "Write down the exact commands and keys needed to rebuild {table} after data"
                    " loss",
                    "Update the {team} disaster recovery documentation to match current tooling",
                    "Publish an up-to-date recovery runbook for {svc} on the on-call wiki",
                    "Bring the written {svc} recovery playbook up to date and name an owner for it",
                ],
            ),
        ),
    ),
    Theme(
        id="secret-rotation-breaks-clients",
        name="Secret rotation broke clients",
        titles=(
            "{svc2} authentication failures after credential rotation",
            "{svc} rejected clients after key rotation",
            "Secret rotation broke {svc}",
            "{svc} database connections failed after password change",
            "API key rotation caused {svc2} outage",
        ),
        stages=(
            _s(
                [
                    "{svc2} requests to {svc} were rejected with authentication errors",
                    "{svc} could not connect to its database with the stored password",
                    "signature checks on tokens issued by {svc} failed for all clients",
                ],
                [
                    "Why were the credentials rejected?",
                    "Why did authentication fail?",
                ],
            ),
            _s(
                [
                    "{secret} had been rotated and the old value was revoked immediately",
                    "the rotation job replaced the signing key without publishing the new one to"
                    " verifiers first",
                    "the password was changed in the database before clients had the new value",
                ],
                [
                    "Why did the rotation break the clients?",
                    "Why did clients still use the old credential?",
                ],
            ),
            _s(
                [
                    "{svc2} reads the secret only at start-up and had not been restarted",
                    "clients cache the credential for hours and do not reload on failure",
                    "the new value propagated to only half of the consumers",
                ],
                [
                    "Why did clients not pick up the new secret?",
                    "Why was the new credential not in use?",
                ],
            ),
            _s(
                [
                    "rotation does not keep the old and new credential valid at the same time",
                    "nobody knew which services consumed {secret}",
                    "rotation had never been tested in staging with real consumers",
                ],
                [
                    "Why was there no overlap period?",
                    "Why were consumers not accounted for?",
                ],
            ),
            _s(
                [
                    "the rotation runbook was written for a single consumer",
                    "there is no inventory of secret consumers",
                    "the security requirement to rotate came with a deadline but no rollout plan",
                ],
                [
                    "Why did the rotation process miss this?",
                    "Why does the process not cover consumers?",
                ],
            ),
        ),
        roots=(
            "secret rotation revokes the old credential immediately, with no overlap window for"
            " clients that load secrets only at start-up",
            "credentials are rotated without a dual-key period or an inventory of the services"
            " that consume them",
            "our rotation process does not ensure clients reload secrets before the old value"
            " stops working",
            "key rotation publishes and revokes in one step, so verifiers and clients fall out of"
            " sync",
            "nobody knows who consumes each secret, so rotations break consumers nobody informed",
            "rotations are untested end to end and have no staged rollout across consumers",
            "the rotation mechanism assumes every client re-reads the secret, which most do not",
            "there is no two-phase rotation (add new, migrate, then revoke old) for shared"
            " credentials",
        ),
        mitigations=(
            "re-enabled the previous credential and restarted {svc2}",
            "republished the old signing key to the verifiers of {svc}",
        ),
        families=(
            _f(
                "dual-credential-rotation",
                "Rotate with an overlap window",
                [
                    "Keep old and new credentials valid together for {days} days during rotation",
                    "Make rotation of {secret} two-phase: add the new one, migrate clients, then"
                    " revoke the old",
                    "Delay revocation of the previous {svc} key until no client still uses it",
                    "Support two active passwords for {svc} while consumers switch over",
                    "Overlap the validity of outgoing and incoming {team} secrets during each"
                    " rollover",
                    "Stop revoking the old {svc} credential at the moment the new one is issued",
                ],
            ),
            _f(
                "secret-reload",
                "Reload secrets without restarts",
                [
                    "Make {svc2} reload secrets from the secret store without a restart",
                    "Refresh credentials in {svc2} at runtime instead of reading them only at"
                    " start-up",
                    "Re-fetch {secret} and retry once when authentication fails",
                    "Adopt the secrets agent sidecar so that {team} services pick up new"
                    " credentials live",
                    "Watch the vault path of {secret} and hot-swap it in {svc2}",
                    "Let {svc} reload rotated keys on the fly without restarting",
                ],
            ),
            _f(
                "secret-consumer-inventory",
                "Inventory secret consumers",
                [
                    "Build an inventory of consumers for each {team} secret",
                    "Record which services use {secret} in the secret store metadata",
                    "List every client of the {svc} credentials together with its owner",
                    "Track who depends on each shared credential of {team} in a registry",
                    "Map the consumers of {secret} in a catalogue that rotations consult",
                    "Keep a catalogue of the applications that read each {svc} secret",
                ],
            ),
        ),
    ),
)

THEMES_BY_ID: dict[str, Theme] = {t.id: t for t in THEMES}

# A deepening step shared by every theme, used for the sixth why of long chains.
REVIEW_STAGE = _s(
    [
        "the risk was never raised in the operational readiness review for {svc}",
        "our readiness reviews do not ask about this failure mode",
        "follow-ups from earlier incidents did not include a check for this class of risk",
    ],
    [
        "Why was this gap not caught by our reviews?",
        "Why did no review catch this earlier?",
    ],
)

SYMPTOM_QUESTIONS: tuple[str, ...] = (
    "Why did {svc} return errors to customers?",
    "Why did requests to {svc} fail in {region}?",
    "Why did the {svc} error rate rise?",
    "Why were customers unable to use {svc}?",
    "Why did {svc2} see failures when calling {svc}?",
    "Why was {svc} unavailable?",
)

# Steps used by one-off incidents between the proximate cause and the root.
ONEOFF_STAGES: tuple[Stage, ...] = (
    _s(
        [
            "the failure mode had not been seen before in {svc} and no test covered it",
            "nothing in the test suite exercised this condition",
        ],
        ["Why was this not caught before production?", "Why did testing not find it?"],
    ),
    _s(
        [
            "the design review for {svc} did not consider this scenario",
            "the component came from another team with little documentation of its limits",
        ],
        ["Why was the scenario not anticipated?", "Why was the behaviour unknown to the team?"],
    ),
    _s(
        [
            "the condition depends on a rare combination of events in {region}",
            "the situation only arises in production traffic patterns",
        ],
        ["Why was it so rare?", "Why had it not happened before?"],
    ),
    _s(
        [
            "the on-call guide for {svc} had no entry for this condition",
            "the team had little experience operating this part of {svc}",
        ],
        ["Why was it not recognised quickly?", "Why did diagnosis take time?"],
    ),
)


@dataclass(frozen=True)
class OneOff:
    """A cause that occurs once in the corpus, with its own fix."""

    title: str
    proximate: str
    root: str
    action: str


# Each entry is a distinct mechanism, so one-off incidents stay singletons in any clustering.
ONEOFFS: tuple[OneOff, ...] = (
    OneOff(
        "Leap second caused {svc} scheduler stall",
        "the job scheduler in {svc} stalled when the clock repeated a second",
        "the scheduler compared wall-clock timestamps instead of a monotonic clock",
        "Switch the {svc} scheduler to monotonic time for interval calculations",
    ),
    OneOff(
        "Integer overflow in {svc} order counter",
        "the order sequence counter in {svc} overflowed a 32-bit column",
        "the id column was declared as a 32-bit integer when the table was created",
        "Migrate the {svc} sequence columns to 64-bit integers",
    ),
    OneOff(
        "Cloud provider power event in one zone of {region}",
        "a power event in one availability zone of {region} took down {svc} hosts",
        "{svc} ran in a single availability zone because of a subnet quota set years ago",
        "Spread {svc} across three availability zones",
    ),
    OneOff(
        "Disk filled by debug logging on {svc}",
        "the {svc} hosts ran out of disk space",
        "debug logging was left enabled and log rotation did not apply to the new log file",
        "Apply log rotation to every log file written by {svc}",
    ),
    OneOff(
        "Time zone handling doubled {svc} billing run",
        "the nightly billing run in {svc} charged some customers twice",
        "the daylight saving transition made the nightly window occur twice",
        "Run {svc} billing windows in UTC with idempotent charges",
    ),
    OneOff(
        "Kernel conntrack table exhausted on {svc} hosts",
        "the {svc} hosts dropped new connections because the conntrack table was full",
        "the new kernel image shipped a smaller default conntrack limit",
        "Set the conntrack limit explicitly in the {svc} host image",
    ),
    OneOff(
        "Unicode normalisation broke {svc} logins",
        "users with accented names could not log in through {svc}",
        "two code paths normalised Unicode user names differently",
        "Normalise user names once at the {svc} boundary",
    ),
    OneOff(
        "Ephemeral port exhaustion on {svc}",
        "{svc} failed to open outbound connections to {svc2}",
        "connections were not reused and ephemeral ports ran out",
        "Enable connection keep-alive and pooling from {svc} to {svc2}",
    ),
    OneOff(
        "Cache stampede after {svc} cache flush",
        "all {svc} cache entries expired at the same moment",
        "cache entries were written with identical expiry times during a bulk warm-up",
        "Add random jitter to cache expiry in {svc}",
    ),
    OneOff(
        "Vendor API deprecation broke {svc}",
        "the payment provider removed an API version that {svc} still called",
        "the provider's deprecation notices went to an unmonitored address",
        "Move vendor notices for {svc} to the team's ticket queue",
    ),
    OneOff(
        "Clock skew invalidated {svc} tokens",
        "tokens issued by {svc} were rejected as not yet valid",
        "NTP on the new host image pointed to an unreachable server",
        "Alarm on clock offset above one second on {svc} hosts",
    ),
    OneOff(
        "Memory leak in {svc} image decoder",
        "{svc} processes were killed for exceeding memory limits",
        "the image decoder kept references to every decoded frame",
        "Release decoded frames after use in the {svc} image path",
    ),
    OneOff(
        "Regex backtracking pinned {svc} CPU",
        "one request pattern drove {svc} CPU to saturation",
        "a validation regular expression backtracked catastrophically on long inputs",
        "Replace the {svc} validation regex with a linear-time matcher",
    ),
    OneOff(
        "Queue poison message stalled {svc}",
        "{svc} consumers stopped making progress on the queue",
        "a malformed message was redelivered forever and blocked the partition",
        "Add a dead-letter queue for messages that fail three times in {svc}",
    ),
    OneOff(
        "File descriptor limit reached on {svc}",
        "{svc} could not accept connections due to too many open files",
        "the service unit file did not raise the default descriptor limit",
        "Raise and monitor the file descriptor limit for {svc}",
    ),
    OneOff(
        "Garbage collection pauses in {svc}",
        "{svc} had multi-second pauses and callers timed out",
        "the heap was sized larger than the container memory and the collector thrashed",
        "Size the {svc} heap from the container memory limit",
    ),
    OneOff(
        "IPv6 rollout broke {svc} allow-list",
        "{svc2} requests to {svc} were denied by the network allow-list",
        "the allow-list contained only IPv4 ranges when clients started using IPv6",
        "Add IPv6 ranges to the {svc} allow-list generator",
    ),
    OneOff(
        "Expired domain registration for {svc} status page",
        "the public status page domain stopped resolving",
        "the domain registration was paid by a corporate card that had been cancelled",
        "Move the status page domain to the central registrar account with auto-renew",
    ),
    OneOff(
        "Hash collision hot partition in {svc}",
        "one storage partition of {svc} received most writes",
        "the partition key used a low-cardinality customer attribute",
        "Change the {svc} partition key to include a high-cardinality component",
    ),
    OneOff(
        "Corrupted search index segment in {svc}",
        "{svc} returned empty results for part of the catalogue",
        "an index segment was corrupted by an interrupted merge",
        "Verify index segment checksums after merges in {svc}",
    ),
    OneOff(
        "Third-party CDN outage affected {svc}",
        "static assets for {svc} failed to load from the CDN",
        "{svc} depended on a single CDN provider with no fallback origin",
        "Add a secondary CDN with automatic failover for {svc} assets",
    ),
    OneOff(
        "Email provider throttled {svc}",
        "outbound mail from {svc} was rejected by the provider",
        "a customer import triggered a burst that exceeded the provider's sending quota",
        "Rate-limit bulk sends from {svc} below the provider quota",
    ),
    OneOff(
        "Floating point rounding in {svc} invoices",
        "invoice totals in {svc} differed from line items by a cent",
        "currency amounts were stored as floating point values",
        "Store {svc} currency amounts as integer minor units",
    ),
    OneOff(
        "Container image registry outage blocked {svc} scaling",
        "new {svc} instances could not start during a scale-out",
        "instances pulled images from a registry in another region at start-up",
        "Replicate the {svc} container images to a registry in {region}",
    ),
    OneOff(
        "Stale read replica served old data in {svc}",
        "{svc} showed customers outdated account balances",
        "reads were routed to a replica that had stopped replicating",
        "Route {svc} reads away from replicas with replication lag above one minute",
    ),
    OneOff(
        "Browser update broke {svc} uploads",
        "file uploads from a new browser release failed on {svc}",
        "the upload widget relied on a non-standard browser behaviour that was removed",
        "Replace the {svc} upload widget with the standards-based implementation",
    ),
    OneOff(
        "Cron overlap duplicated {svc} exports",
        "two export jobs of {svc} ran at once and wrote duplicate files",
        "the job had no lock and its run time grew beyond its schedule interval",
        "Add a distributed lock to the {svc} export job",
    ),
    OneOff(
        "Path length limit broke {svc} archive job",
        "the {svc} archive job failed on deeply nested directories",
        "the archive library truncated paths longer than its fixed limit",
        "Switch the {svc} archive format to one without path length limits",
    ),
    OneOff(
        "Trace sampler hid {svc} errors",
        "{svc} errors were missing from distributed traces during triage",
        "the trace sampler dropped error spans along with successful ones",
        "Always keep error spans in the {svc} trace sampler",
    ),
    OneOff(
        "Locale-dependent parsing failed in {svc}",
        "{svc} rejected decimal numbers from some customers",
        "number parsing used the host locale, which differed on new hosts",
        "Parse numbers in {svc} with an explicit invariant locale",
    ),
    OneOff(
        "Noisy neighbour on shared {svc} host",
        "{svc} latency rose sharply on a subset of hosts",
        "a batch workload shared hosts with {svc} and consumed the memory bandwidth",
        "Move {svc} to dedicated host pools without batch workloads",
    ),
    OneOff(
        "Bot traffic scraped {svc} catalogue",
        "{svc} capacity was consumed by a scraper",
        "the anonymous endpoint had no rate limit per client",
        "Add per-client rate limits to the anonymous {svc} endpoints",
    ),
    OneOff(
        "Fiber cut between data centres affected {svc}",
        "replication between {svc} sites stopped",
        "both network paths between the sites ran through the same conduit",
        "Procure a physically diverse second path for {svc} replication",
    ),
    OneOff(
        "Orphaned load balancer listener served stale {svc} build",
        "some {svc} traffic reached an old build that should have been retired",
        "a listener left over from a previous migration still forwarded traffic",
        "Remove orphaned listeners and audit {svc} load balancer targets",
    ),
    OneOff(
        "Unbounded pagination in {svc} export API",
        "an export request from one customer exhausted {svc} memory",
        "the export API loaded every page into memory before responding",
        "Stream {svc} export responses instead of buffering all pages",
    ),
    OneOff(
        "Protocol buffer field reuse corrupted {svc} messages",
        "{svc2} misread fields in messages produced by {svc}",
        "a deleted protobuf field number was reused for a new field",
        "Reserve removed field numbers in the {svc} message definitions",
    ),
    OneOff(
        "Timeout mismatch between {svc2} and {svc}",
        "{svc2} gave up on requests that {svc} still completed, creating duplicates",
        "the caller timeout was shorter than the server-side processing limit",
        "Align the {svc2} client timeout with the {svc} processing deadline",
    ),
    OneOff(
        "Case-sensitive lookup broke {svc} redirects",
        "{svc} returned not-found for links with upper-case characters",
        "a storage migration made key lookups case-sensitive",
        "Normalise the case of redirect keys in {svc}",
    ),
    OneOff(
        "Drive firmware defect on {svc} storage nodes",
        "storage nodes of {svc} reported write errors",
        "a drive firmware version mis-handled a rare write pattern",
        "Track drive firmware versions of {svc} nodes and apply vendor fixes",
    ),
    OneOff(
        "Misrouted alerts during {svc} incident",
        "the {svc} incident was handled by the wrong team for the first hour",
        "the paging routing table still pointed at the service's previous owner",
        "Derive {svc} paging routes from the service ownership registry",
    ),
)

ONEOFF_GENERIC_FAMILIES: tuple[Family, ...] = (
    _f(
        "runbook-update",
        "Document the response in the runbook",
        [
            "Add a runbook entry for diagnosing this failure in {svc}",
            "Document detection and mitigation steps for this case in the {svc} runbook",
            "Write up how on-call mitigated this incident in the {team} runbook",
            "Record the commands that mitigated this incident on the {svc} troubleshooting page",
            "Extend the {svc} playbook with how to recognise and fix this failure",
            "Capture this failure scenario and its fix in the {team} on-call guide",
        ],
    ),
    _f(
        "regression-test",
        "Add a regression test",
        [
            "Add a regression test for this condition to the {svc} suite",
            "Reproduce this failure in an automated regression test for {svc}",
            "Cover this bug with a test case in the {svc} CI pipeline",
            "Write a test that fails if the scenario of this incident recurs in {svc}",
            "Add a test fixture reproducing this failure to the {svc} pipeline",
            "Turn the staging reproduction of this incident into a permanent test in the {team}"
            " suite",
        ],
    ),
)

VAGUE_ACTIONS: tuple[str, ...] = (
    "Be more careful when changing {svc}",
    "Improve monitoring",
    "Make sure this does not happen again",
    "Communicate better during incidents",
    "Double-check changes before deploying",
    "Pay more attention to alerts",
    "Improve testing",
    "Review processes",
)

SHALLOW_ROOTS: tuple[str, ...] = (
    "human error",
    "the engineer made a mistake",
    "a bug in the code",
    "the operator made a mistake during the change",
    "it was human error during the change",
    "there was a bug in the code",
)

FIRST_NAMES: tuple[str, ...] = (
    "John", "Maria", "David", "Sarah", "Michael", "Laura", "James", "Emily", "Robert", "Anna",
    "Daniel", "Olivia", "Thomas", "Sophie", "Peter", "Hannah", "Mark", "Julia", "Paul", "Claire",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Smith", "Johnson", "Garcia", "Miller", "Brown", "Davis", "Wilson", "Anderson", "Taylor",
    "Moore", "Jackson", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
    "Hall", "Young",
)  # fmt: skip

BLAME_TEMPLATES: tuple[str, ...] = (
    "{person} pushed the change to {svc} without waiting for review",
    "{person} ran the command against the wrong environment",
    "{person} ignored the warning on the {svc} dashboard",
    "{person} approved the change without reading it",
)
