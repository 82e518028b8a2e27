import json

import pytest

from operations.static_files import StaticFiles


def _storage(tmp_path, paths: dict) -> StaticFiles:
    manifest = {"paths": paths, "version": "1.1"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFiles(location=tmp_path, base_url="/static/")


def test_each_file_is_addressed_by_its_hashed_name_every_time(tmp_path, settings):
    settings.DEBUG = False
    storage = _storage(
        tmp_path, {"css/site.css": "css/site.0123456789ab.css", "js/site.js": "js/site.ba98.js"}
    )

    for _ in range(2):
        assert storage.url("css/site.css") == "/static/css/site.0123456789ab.css"
        assert storage.url("js/site.js") == "/static/js/site.ba98.js"


def test_a_file_missing_from_the_manifest_is_refused_every_time(tmp_path, settings):
    settings.DEBUG = False
    storage = _storage(tmp_path, {"css/site.css": "css/site.0123456789ab.css"})

    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/gone.css")
    assert storage.url("css/site.css") == "/static/css/site.0123456789ab.css"


def test_another_manifest_gives_its_own_addresses(tmp_path, settings):
    settings.DEBUG = False
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _storage(tmp_path / "a", {"x.css": "x.1.css"})
    second = _storage(tmp_path / "b", {"x.css": "x.2.css"})

    assert first.url("x.css") == "/static/x.1.css"
    assert second.url("x.css") == "/static/x.2.css"
