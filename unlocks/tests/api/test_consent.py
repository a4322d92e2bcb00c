import hashlib


def test_it_returns_the_current_consent_text(api):
    response = api.get("/api/v1/consent/")

    assert response.status_code == 200
    data = response.json()
    assert data["version"] == 1
    assert data["text"].startswith("We are confirming that this action is being taken")
    assert data["sha256"] == hashlib.sha256(data["text"].encode()).hexdigest()
