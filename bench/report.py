"""The benchmark's verdict: one table, PASS/FAIL per target, the same as JSON in bench/results/."""

import json
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BARE_HELLO = "hello world (bare Django)"


def report(results: dict) -> None:
    """Print the table and the PASS/FAIL list; write both, with every number, as JSON."""
    loads, run = results["loads"], results["settings"]
    hello, nginx = loads[BARE_HELLO]["rps"], loads["nginx static article"]["rps"]
    machine, cold = results["machine"], results["cold_render_ms"]
    lines = [
        "",
        f"heatblog benchmark — {machine['cpu']}, {machine['cpus']} CPUs, {run['seconds']} s per "
        f"load, {run['connections']} connections ({run['commenters']} commenters), "
        f"{run['workers']} gunicorn workers",
        f"{'':34}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'÷hello':>8}"
        f"{'÷nginx':>8}{'CPU ms/req':>12}",
    ]
    for name, load in loads.items():
        cpu = f"{load['cpu_ms']:12.2f}" if "cpu_ms" in load else ""
        lines.append(
            f"{name:34}{load['rps']:8.0f}{load['p50_ms']:9.2f}{load['p95_ms']:9.2f}"
            f"{load['p99_ms']:9.2f}{load['rps'] / hello:8.2f}{load['rps'] / nginx:8.2f}{cpu}"
        )
    lines.append(
        f"{'article cold (in process, CPU)':34}{'':8}{cold['p50']:9.2f}{cold['p95']:9.2f}"
        f"{cold['p99']:9.2f}"
    )
    lines.append("(÷hello: against the bare Django hello world; CPU: the server's, all workers)")
    lines.append(
        "(the better of two rounds, first and last: "
        + ", ".join(f"{name} {a:.0f}/{b:.0f}" for name, (a, b) in results["rounds"].items())
        + " req/s)"
    )
    queries = ", ".join(
        f"{name} {q['queries_cold']}/{q['queries_warm']}" for name, q in results["queries"].items()
    )
    weight, post = results["page_weight"], loads["comment POST"]
    search = results["search_uncached"]
    memory = ", ".join(f"{mb:.0f} MB" for mb in results["rss_mb_per_worker"])
    lines += [
        "",
        f"queries per page (cold/warm): {queries}",
        f"article page with {results['heat_comments']} comments: {weight['html_kb']:.1f} KB "
        f"HTML, {weight['gzip_kb']:.1f} KB gzipped",
        f"RSS per worker after the run: {memory}",
        f"search, 200 varied queries once each, every cache off: p50 {search['p50']:.1f} ms, "
        f"p95 {search['p95']:.1f} ms, max {search['max']:.1f} ms (slowest: "
        + ", ".join(f"{url} {ms:.0f} ms" for ms, url in search["slowest"][:3])
        + ")",
        f"worst-case comment render (64 KB, {results['worst_case_render']['input']}): "
        f"{results['worst_case_render']['ms']:.1f} ms",
        *(
            f"mailing to {n:,} followers: {f['mails_per_second']:.0f} mails/s "
            f"({f['seconds']:.0f} s), worker peak RSS {f['peak_rss_mb']:.0f} MB"
            for n, f in results["followers"].items()
        ),
        f"comment POST: {post['redirects']} accepted, {post['stored']} stored, "
        f"{post['lost']} lost, {post['duplicated']} duplicated, {post['server_errors']} 5xx; "
        f"CPU per POST: server {post.get('cpu_ms', 0):.2f} ms, "
        f"PostgreSQL {post['database_cpu_ms']:.2f} ms",
        "",
    ]
    targets = _targets(results, hello)
    lines += [f"  {'PASS' if passed else 'FAIL'}  {label}" for label, passed in targets.items()]
    print("\n".join(lines))
    results["targets"] = targets
    results["table"] = lines
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\nbench: wrote {path.relative_to(ROOT)}")


def _targets(results: dict, hello: float) -> dict[str, bool]:
    loads, conditional = results["loads"], results["conditional_get"]
    weight, static, post = results["page_weight"], results["static_assets"], loads["comment POST"]
    return {
        "article page ≤ 6 queries": results["queries"]["article"]["queries_cold"] <= 6,
        "article warm req/s ≥ 90% of bare Django hello world": (
            loads["article (warm)"]["rps"] >= 0.9 * hello
        ),
        "article behind deploy/nginx.conf ≥ 80% of nginx static": (
            loads["article behind deploy/nginx.conf"]["rps"]
            >= 0.8 * loads["nginx static article"]["rps"]
        ),
        "article cold, all caches off, ≤ 10 ms server CPU per request": (
            loads["article (cold, no caches)"]["cpu_ms"] <= 10
        ),
        "article HTML ≤ 120 KB": weight["html_kb"] <= 120,
        "article HTML ≤ 30 KB gzipped": weight["gzip_kb"] <= 30,
        "CSS hashed, immutable, pre-compressed": static.get("hashed", False)
        and "immutable" in static.get("cache_control", "")
        and bool(static.get("content_encoding")),
        "ETag and Last-Modified on the article": bool(
            conditional["etag"] and conditional["last_modified"]
        ),
        "repeat visit gets 304 with no body": conditional["repeat_status"] == 304
        and conditional["repeat_body_bytes"] == 0,
        "ETag changes with the discussion": conditional["etag_changes_with_discussion"],
        "search at 10,000 articles, 200 varied queries, no cache: p95 ≤ 30 ms": (
            results["search_uncached"]["p95"] <= 30
        ),
        "… and the slowest ≤ 60 ms": results["search_uncached"]["max"] <= 60,
        "comment POST ≥ 300/s": post["redirects"] / post["seconds"] >= 300,
        "comment POST: 0 lost, 0 duplicated, 0 5xx": post["lost"] == 0
        and post["duplicated"] == 0
        and post["server_errors"] == 0,
        "≤ 120 MB RSS per worker": all(mb <= 120 for mb in results["rss_mb_per_worker"]),
        "reader beacon ≥ 2,000 req/s, no 5xx": loads["reader beacon (/a/view)"]["passed"],
        "mailing memory flat: 10,000 followers peak ≤ 1,000 followers peak + 10 MB": (
            _flat(results["followers"])
        ),
        "worst-case 64 KB comment render well inside a second (≤ 500 ms)": (
            results["worst_case_render"]["ms"] <= 500
        ),
    }


def _flat(followers: dict) -> bool:
    smallest, largest = followers[min(followers)], followers[max(followers)]
    return largest["peak_rss_mb"] <= smallest["peak_rss_mb"] + 10
