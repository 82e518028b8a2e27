"""Static files as production serves them: WhiteNoise's hashed, compressed copies, each
file's address worked out once per process."""

from django.conf import settings
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    """The manifest of hashed names is read when the process starts and doesn't change
    while it runs, so neither does a file's address: worked out once (12 µs a call, and
    a page asks for four or five), then remembered until the manifest changes
    (collectstatic in this process). A name is remembered once Django has given its
    address; one missing from the manifest is refused every time, as before
    (ValueError). The site asks only for fixed names (its templates, the favicon, the
    placeholder avatar). With DEBUG on, or ``force``, every call asks Django."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The manifest the addresses were worked out from, and the addresses: one value,
        # so a thread never files an address under another manifest.
        self._remembered: tuple[dict, dict[str, str]] = (self.hashed_files, {})

    def url(self, name, force=False):
        if force or settings.DEBUG:
            return super().url(name, force)
        manifest, addresses = self._remembered
        if manifest is not self.hashed_files:  # another manifest was loaded
            manifest, addresses = self._remembered = (self.hashed_files, {})
        if (address := addresses.get(name)) is None:
            address = addresses[name] = super().url(name)
        return address

    def post_process(self, *args, **kwargs):
        yield from super().post_process(*args, **kwargs)
        # Files hashed now: their new names, not the ones remembered.
        self._remembered = (self.hashed_files, {})
