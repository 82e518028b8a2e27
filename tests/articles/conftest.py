"""What several test files of the articles app build on."""

import io

import pytest
from django.core.files.storage import default_storage

from articles.models import Tag
from tests.articles.test_images import image_bytes


@pytest.fixture
def crime(db):
    return Tag.objects.create(name="Crime", slug="crime")


@pytest.fixture
def stored_image():
    """The storage name of a 2000×1000 JPEG, as the editor's upload leaves it."""
    return default_storage.save("uploads/street.jpg", io.BytesIO(image_bytes(size=(2000, 1000))))


@pytest.fixture
def storage_untouchable(monkeypatch):
    """Fail the test if anything opens, looks for or writes a stored file.

    Returns the monkeypatch: `.undo()` lets the rest of the test use storage again.
    """

    def touched(*args, **kwargs):
        pytest.fail(f"storage was touched: {args}")

    for method in ("open", "exists", "save"):
        monkeypatch.setattr(default_storage, method, touched)
    return monkeypatch
