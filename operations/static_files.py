"""Static files as production serves them: WhiteNoise's hashed, compressed copies, each
file's address worked out once per process."""

from whitenoise.storage import CompressedManifestStaticFilesStorage

MAX_REMEMBERED = 1024


class StaticFiles(CompressedManifestStaticFilesStorage):
    """The manifest of hashed names is read when the process starts and doesn't change
    while it runs, so neither does a file's address: worked out once (12 µs a call, and
    a page asks for four or five), then remembered. A name not in the manifest is
    refused every time, as before (ValueError), and never remembered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._addresses: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        if (address := self._addresses.get(name)) is None:
            address = super().url(name)
            if len(self._addresses) < MAX_REMEMBERED:
                self._addresses[name] = address
        return address
