"""Fill the benchmark database: the Heat essay with 200 threaded comments, and a crowd.

10,000 more articles and 100,000 comments give search and listings something to
chew on. Bulk inserts keep this to well under a minute; a second run finds the
data already there and does nothing.
"""

import random
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, refresh_discussion
from comments.rendering import render_comment_text

HEAT_COMMENTS = 200
CROWD_ARTICLES = 10_000
CROWD_COMMENTS = 100_000
POST_TARGET_SLUG = "bench-post-target"

NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Frank",
    "Grace",
    "Hiro",
    "Ines",
    "Jack",
    "Kim",
    "Leo",
    "Maya",
    "Nate",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
]
SURNAMES = [
    "Adler",
    "Brooks",
    "Chen",
    "Diaz",
    "Evans",
    "Fox",
    "Gray",
    "Hart",
    "Ito",
    "Jones",
    "Khan",
    "Lopez",
    "Moss",
    "Ng",
    "Ortiz",
    "Park",
    "Reyes",
    "Shaw",
    "Tran",
    "Wolfe",
]

# Film words readers search for, each found in a few per cent of articles, on top of
# a long tail of filler words with a Zipf-like spread: like a real blog, where a
# name like "pacino" matches some articles, not all of them.
TOPICS = [
    "pacino",
    "de_niro",
    "kilmer",
    "mann",
    "heat",
    "collateral",
    "thief",
    "insider",
    "manhunter",
    "ali",
    "blackhat",
    "shootout",
    "diner",
    "coffee",
    "heist",
    "airport",
    "freeway",
    "rooftop",
    "armored_car",
    "waingro",
    "eady",
    "nate",
    "scorsese",
    "nolan",
    "fincher",
    "coppola",
    "goodfellas",
    "casino",
    "godfather",
    "chinatown",
    "vertigo",
    "noir",
    "score",
    "soundtrack",
    "cinematography",
    "lens",
    "widescreen",
    "night",
    "city",
    "los_angeles",
    "chicago",
    "detective",
    "thief",
    "crew",
    "bank",
    "vault",
    "loneliness",
    "obsession",
    "honor",
    "precision",
    "realism",
]


class Prose:
    """English-like text: the Heat essay's own words, drawn as often as the essay uses them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        essay = Path(__file__).resolve().parents[1] / "articles" / "content" / "heat-1995.md"
        counts = Counter(re.findall(r"[a-z’']+", essay.read_text().lower()))
        # Film words appear only where an article is about them (see TOPICS).
        topical = {word for topic in TOPICS for word in topic.split("_")}
        self.words = [word for word in counts if word not in topical]
        self.weights = [counts[word] for word in self.words]

    def sentence(self, length: int, topics: list[str] = ()) -> str:
        words = self.rng.choices(self.words, weights=self.weights, k=length)
        for topic in topics:
            words.insert(self.rng.randrange(len(words) + 1), topic.replace("_", " "))
        text = " ".join(words)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, topics: list[str] = ()) -> str:
        count = self.rng.randint(3, 6)
        return " ".join(
            self.sentence(self.rng.randint(8, 20), topics if n == 0 else ()) for n in range(count)
        )

    def comment(self) -> str:
        """One to four sentences, most of them short: about 200 characters on average."""
        topics = self.rng.sample(TOPICS, 1) if self.rng.random() < 0.3 else []
        sentences = self.rng.choices([1, 2, 3, 4], weights=[45, 35, 15, 5])[0]
        return " ".join(
            self.sentence(self.rng.randint(6, 16), topics if n == 0 else ())
            for n in range(sentences)
        )


def seed() -> dict:
    if Article.objects.filter(slug=POST_TARGET_SLUG).exists():
        return {"seeded": False}
    rng = random.Random(1995)
    prose = Prose(rng)
    call_command("load_heat", stdout=open("/dev/null", "w"))  # noqa: SIM115
    heat = Article.objects.get(slug__startswith="heat-1995")
    author = heat.author
    _heat_comments(heat, rng, prose)
    _crowd(author, rng, prose)
    refresh_discussion(set(Article.objects.values_list("pk", flat=True)))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"seeded": True}


def _heat_comments(heat, rng, prose):
    """200 approved comments in threads: a third top-level, the rest replies up to 6 deep."""
    start = heat.published_at + timedelta(hours=1)
    created = []
    for n in range(HEAT_COMMENTS):
        parent = None
        if n >= 10 and rng.random() > 0.35:
            parent = rng.choice(created[-30:])
        comment = Comment(
            article=heat,
            parent=parent,
            name=f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}",
            email=f"reader{n}@example.com",
            website="https://example.com/" if n % 7 == 0 else "",
            text=prose.comment(),
            status=Comment.Status.APPROVED,
            created_at=start + timedelta(minutes=17 * n),
        )
        comment.text_html = render_comment_text(comment.text)
        created.append(comment)
        comment.save()


def _crowd(author, rng, prose):
    """10,000 articles (a tenth drafts) and 100,000 comments (a tenth each held and spam)."""
    now = timezone.now()
    articles = []
    for n in range(CROWD_ARTICLES):
        topics = rng.sample(TOPICS, 2)
        paragraphs = [prose.paragraph(topics if p == 0 else ()) for p in range(8)]
        heading = prose.sentence(4)[:-1]
        body = "\n\n".join([*paragraphs[:3], f"## {heading}", *paragraphs[3:]])
        html = "\n".join(f"<p>{p}</p>" for p in paragraphs[:3])
        html += f'\n<h2 id="section">{heading}</h2>\n' + "\n".join(
            f"<p>{p}</p>" for p in paragraphs[3:]
        )
        articles.append(
            Article(
                title=f"{prose.sentence(rng.randint(3, 7), topics[:1])[:-1]} ({n})",
                slug=f"bench-{n}" if n else POST_TARGET_SLUG,
                dek=prose.sentence(14),
                body=body,
                body_html=html,
                body_text=" ".join([*paragraphs[:3], heading, *paragraphs[3:]]),
                toc=[{"id": "section", "title": heading, "level": 2, "paragraphs": []}],
                word_count=len(body.split()),
                excerpt=paragraphs[0][:300],
                author=author,
                status=Article.Status.DRAFT if n % 10 == 5 else Article.Status.PUBLISHED,
                published_at=now - timedelta(days=2 + n % 3000, minutes=n),
            )
        )
    Article.objects.bulk_create(articles, batch_size=1000)
    ids = list(
        Article.objects.filter(slug__startswith="bench-").exclude(slug=POST_TARGET_SLUG)
        .values_list("pk", flat=True)
    )  # fmt: skip
    statuses = [Comment.Status.APPROVED] * 8 + [Comment.Status.PENDING, Comment.Status.SPAM]
    comments = []
    for n in range(CROWD_COMMENTS):
        text = prose.comment()
        comments.append(
            Comment(
                article_id=rng.choice(ids),
                name=rng.choice(NAMES),
                email=f"crowd{n % 5000}@example.com",
                text=text,
                text_html=render_comment_text(text),
                status=rng.choice(statuses),
                created_at=now - timedelta(minutes=n),
            )
        )
        if len(comments) == 5000:
            Comment.objects.bulk_create(comments)
            comments = []
    Comment.objects.bulk_create(comments)
