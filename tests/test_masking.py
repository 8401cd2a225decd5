from __future__ import annotations

from analytics.masking import entity_pattern, mask


def test_service_variants_are_masked():
    p = entity_pattern(["payments-api"])
    assert mask("payments_api and Payments API and paymentsapi failed", p) == (
        "the service and the service and the service failed"
    )


def test_hosts_regions_numbers_and_dates_are_masked():
    text = "api.example.com in eu-west-1 returned 503 for 12% of requests on 2025-03-04"
    assert mask(text) == "the host in the region returned N for N of requests on the date"


def test_same_mechanism_on_two_services_masks_to_the_same_text():
    p = entity_pattern(["checkout", "search-api"])
    assert mask("checkout ran out of disk", p) == mask("Search API ran out of disk", p)


def test_words_containing_a_service_name_are_kept():
    p = entity_pattern(["auth"])
    assert mask("the author wrote auth-proxy", p) == "the author wrote auth-proxy"


def test_host_containing_a_service_name_is_one_host():
    p = entity_pattern(["payments"])
    assert mask("api.payments.example.com timed out", p) == "the host timed out"


def test_no_doubled_article_after_masking():
    p = entity_pattern(["storage-team"])
    assert mask("the storage-team SDK leaked", p) == "the service SDK leaked"


def test_a_one_word_name_other_coes_use_as_a_word_is_not_masked():
    from analytics.masking import names_to_mask

    docs = [(["network", "storage-api"], "the network link failed")]
    docs += [([], f"network packet loss on link {i}") for i in range(3)]
    names = names_to_mask(docs)
    assert names == {"storage-api"}
    assert mask("The network dropped packets", entity_pattern(names)) == (
        "The network dropped packets"
    )
    # A name its own COEs use more than others do stays a name.
    docs += [(["network"], "network saturated")] * 4
    assert "network" in names_to_mask(docs)
