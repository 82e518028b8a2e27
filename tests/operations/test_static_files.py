import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

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


def test_with_debug_on_files_are_addressed_as_django_does_unhashed(tmp_path, settings):
    storage = _storage(tmp_path, {"css/site.css": "css/site.0123456789ab.css"})
    settings.DEBUG = False
    assert storage.url("css/site.css") == "/static/css/site.0123456789ab.css"

    settings.DEBUG = True
    assert storage.url("css/site.css") == "/static/css/site.css"
    assert storage.url("css/site.css", force=True) == "/static/css/site.0123456789ab.css"


def test_collectstatic_in_the_same_process_gives_the_new_hashed_names(tmp_path, settings):
    settings.DEBUG = False
    source = FileSystemStorage(location=tmp_path / "source")
    source.save("css/a.css", ContentFile(b"a { color: red }"))
    storage = StaticFiles(location=tmp_path / "static", base_url="/static/")

    def collect():
        for path in source.listdir("css")[1]:
            source_path = f"css/{path}"
            with source.open(source_path) as original:
                storage.save(source_path, original)
        list(storage.post_process({"css/a.css": (source, "css/a.css")}))
        return storage.url("css/a.css")

    before = collect()
    source.delete("css/a.css")
    source.save("css/a.css", ContentFile(b"a { color: blue }"))
    after = collect()

    assert before != after
    assert (tmp_path / "static" / after.removeprefix("/static/")).read_bytes() == (
        b"a { color: blue }"
    )
