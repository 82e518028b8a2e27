"""The worst a commenter can type: 64 KB inputs built to make a renderer rescan its input."""

import time

SIZE = 65_525  # the longest comment the form accepts

INPUTS = {
    "unbalanced brackets in a URL": "http://x(" + "." * (SIZE - 9),
    "many http://x(": ("http://x( " * (SIZE // 10))[:SIZE],
    "nested brackets": "http://x/" + "(" * (SIZE // 2 - 5) + ")" * (SIZE // 2 - 5),
    "thousands of ||": "||a" * (SIZE // 3),
    "thousands of URLs": ("https://example.com/a_(b) " * (SIZE // 26))[:SIZE],
    "blank lines and spaces": ("\n \t \n" * (SIZE // 5))[:SIZE],
    "one long word": "a" * SIZE,
}


def worst_case_render_ms() -> tuple[str, float]:
    """Render each input as a comment (with spoilers folded) and return the slowest."""
    from comments.rendering import render_comment_text

    timings = {}
    for name, text in INPUTS.items():
        started = time.perf_counter()
        render_comment_text(text, spoilers=True)
        timings[name] = (time.perf_counter() - started) * 1000
    name = max(timings, key=timings.get)
    return name, timings[name]
