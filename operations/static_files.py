"""Static files as production serves them: WhiteNoise's hashed, compressed copies, each
file's address worked out once per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    """The manifest of hashed names is read when the process starts and doesn't change
    while it runs, so neither does a file's address: worked out once (12 µs a call, and
    a page asks for four or five), then remembered until the manifest changes
    (collectstatic in this process). Only names in the manifest are remembered: one
    missing from it is refused every time, as before (ValueError). With DEBUG on, or
    ``force``, every call asks Django, as Django would."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses: dict[str, str] = {}
        self._manifest = self.hashed_files  # the manifest they were worked out from

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        if self._manifest is not self.hashed_files:  # another manifest was loaded
            self._manifest, self._addresses = self.hashed_files, {}
        if (address := self._addresses.get(name)) is None:
            address = self._addresses[name] = super().url(name)
        return address

    def post_process(self, *args, **kwargs):
        yield from super().post_process(*args, **kwargs)
        self._addresses = {}  # files hashed now: their new names, not the ones remembered
