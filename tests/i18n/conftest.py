import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_around_each_test():
    """A request under /es/ leaves Spanish active in the thread (Django activates per request and never
    resets): each test here starts in English and leaves English behind for the tests that follow."""
    translation.activate("en")
    yield
    translation.activate("en")
