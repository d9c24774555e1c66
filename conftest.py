import ember
import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace["ember"] = ember
    ember.manual_seed(0)
