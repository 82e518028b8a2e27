import pytest

from tests.factories import make_article, make_user


@pytest.fixture
def article(db):
    """An article whose author has an address, so moderation mail has somewhere to go."""
    return make_article(title="Heat", author=make_user(email="author@example.com"))
