"""A follower's data in the privacy page's copy and erasure (comments/privacy.py KEEPERS)."""

from followers.models import Follower


class FollowerData:
    """What following by email keeps about an address: the follow and its deliveries."""

    name = "following_by_email"

    @staticmethod
    def holds(email: str) -> bool:
        return Follower.objects.filter(email=email).exists()

    @staticmethod
    def export(email: str) -> dict | None:
        follower = Follower.objects.filter(email=email).first()
        if follower is None:
            return None
        deliveries = follower.deliveries.select_related("mailing__article").order_by("pk")
        return {
            "email": follower.email,
            "status": follower.status,
            "asked": follower.created_at.isoformat(),
            "confirmed": follower.confirmed_at.isoformat() if follower.confirmed_at else None,
            "unsubscribed": (
                follower.unsubscribed_at.isoformat() if follower.unsubscribed_at else None
            ),
            "hard_bounces": follower.hard_bounces,
            "articles_mailed": [
                {
                    "article": delivery.mailing.article.title,
                    "status": delivery.status,
                    "sent": delivery.sent_at.isoformat() if delivery.sent_at else None,
                }
                for delivery in deliveries
            ],
        }

    @staticmethod
    def erase(email: str) -> None:
        """Forget the address altogether (its deliveries go with it)."""
        Follower.objects.filter(email=email).delete()
