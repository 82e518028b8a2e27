"""Instructions per cold article render, counted by valgrind: a number this shared
machine's drifting speed doesn't move.

`python -m bench.instructions [renders]` (after `make bench` has seeded its database;
needs `apt-get install valgrind`) renders the Heat article with its 200 comments,
every cache off, through Django's test client under callgrind, once with 20 warm-up
renders only and once with as many more as asked (20), and prints the difference per
render in millions of instructions. Slow: about a minute per run.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

WARM_UP = 20


def renders(count: int) -> None:
    """In the process valgrind watches: the warm-up, then ``count`` cold renders."""
    from bench.run import _environment

    os.environ.update(_environment())
    os.environ["BENCH_CACHES"] = "off"
    import django

    django.setup()
    from django.test import Client

    from articles.models import Article

    path = Article.objects.get(slug__startswith="heat-1995").get_absolute_url()
    reader = Client()
    for _ in range(WARM_UP + count):
        reader.cookies.clear()  # a new, anonymous reader each time
        assert reader.get(path).status_code == 200


def instructions(count: int) -> int:
    with tempfile.TemporaryDirectory() as folder:
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={folder}/out",
            sys.executable, "-c", f"from bench.instructions import renders; renders({count})",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main() -> None:
    if not shutil.which("valgrind"):
        sys.exit("bench.instructions: valgrind is missing (apt-get install valgrind)")
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    per_render = (instructions(count) - instructions(0)) / count
    print(f"cold article render: {per_render / 1e6:.1f} million instructions")


if __name__ == "__main__":
    main()
