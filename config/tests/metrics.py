"""Reading /metrics as Prometheus does: scrape, parse, and compare two scrapes."""

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-tests"


def scrape(client):
    """{(sample name, sorted label pairs): value} of one scrape with the token."""
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def moved(before, after):
    """What changed between two scrapes, by sample; samples that did not move left out."""
    return {
        key: after[key] - before.get(key, 0) for key in after if after[key] != before.get(key, 0)
    }


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)
