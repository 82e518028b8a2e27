from django.dispatch import Signal

# Sent for every article page served to a reader, from memory or rendered:
# arguments request, response and slug. The comments app notes the visit.
article_served = Signal()
