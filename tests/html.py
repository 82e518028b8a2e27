"""Reading pages the way a browser would, to check nothing a visitor typed became markup."""

from html.parser import HTMLParser

DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text/html")


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict]]:
    collector = _Collector()
    collector.feed(html)
    return collector.tags


def assert_inert(html: str) -> None:
    """No script we didn't write, no event handler, no script URL anywhere on the page."""
    for tag, attrs in elements(html):
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"<{tag}> has event handler(s) {handlers}"
        for name in ("href", "src", "action", "formaction", "xlink:href", "srcdoc"):
            value = (attrs.get(name) or "").strip().lower().replace("\t", "").replace("\n", "")
            assert not value.startswith(DANGEROUS_SCHEMES), f"<{tag} {name}={value!r}>"
        if tag == "script":
            src = attrs.get("src") or ""
            assert (src.startswith("/") and not src.startswith("//")) or attrs.get("type") in {
                "application/json",
                "application/ld+json",
            }, f"unexpected script {attrs}"
        assert tag not in {"iframe", "object", "embed", "base", "frame", "style"}, (
            f"<{tag} {attrs}>"
        )
        assert not (tag == "meta" and "http-equiv" in attrs), f"<meta {attrs}>"
