"""The shared-mechanism signal of precedent search (analytics.search_mechanism)."""

import numpy as np

from analytics.mechanisms import load_taxonomy
from analytics.search_mechanism import profile, profiles, specific, themed, top

MECHANISMS = specific(load_taxonomy())
DIM = 4


def _flat(n: int) -> np.ndarray:
    return np.zeros((n, DIM), np.float32)


def test_generic_mechanisms_are_left_out():
    every = load_taxonomy()
    assert any(m.generic for m in every)
    assert not any(m.generic for m in MECHANISMS)
    assert len(MECHANISMS) == sum(not m.generic for m in every)


def test_cues_decide_the_profile_and_it_sums_to_one():
    p = profile(
        MECHANISMS,
        ["The client certificate expired at midnight; there was no renewal job."],
        _flat(1),
        _flat(len(MECHANISMS)),
    )
    assert abs(float(p.sum()) - 1) < 1e-5
    assert MECHANISMS[int(p.argmax())].id == "cert-expiry"
    assert top(MECHANISMS, p) == MECHANISMS[int(p.argmax())].name


def test_no_cue_means_no_profile_whatever_the_embedding_says():
    protos = np.eye(len(MECHANISMS), DIM, dtype=np.float32)
    vectors = protos[:1]  # as close as can be to the first mechanism's prototype
    p = profile(MECHANISMS, ["Everything was fine and then it was not."], vectors, protos)
    assert not p.any()
    assert top(MECHANISMS, p) is None


def test_a_mechanism_theme_holds_the_whole_profile_and_others_read_their_texts():
    cert = next(k for k, m in enumerate(MECHANISMS) if m.id == "cert-expiry")
    texts = ["the certificate expired and nobody renewed it", "the disk filled up with logs"]
    out = profiles(
        MECHANISMS,
        [[1], [0], [], [1]],
        texts,
        _flat(2),
        _flat(len(MECHANISMS)),
        ["T-cert-expiry", "T03", None, "T-no-such-mechanism"],
    )
    assert out[0, cert] == 1 and out[0].sum() == 1  # its theme, not its disk text
    assert int(out[1].argmax()) == cert  # a discovered theme: its own text
    assert not out[2].any()  # nothing to read
    assert int(out[3].argmax()) != cert and out[3].any()  # unknown mechanism: its text
    assert themed(MECHANISMS, "T01") is None
    # Sharing a mechanism is the dot product: full for two COEs in its theme.
    assert float(out[0] @ out[0]) == 1.0
