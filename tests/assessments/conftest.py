import pytest
from django.test import Client

from tests.factories import UserFactory


@pytest.fixture
def learner_client() -> Client:
    """A signed-in learner's client; the learner is `client.user`."""
    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.user = user  # type: ignore[attr-defined]
    return client
