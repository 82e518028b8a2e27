"""A real SMTP server (aiosmtpd) on 127.0.0.1, for tests and the benchmark.

Django's own SMTP backend talks to it as to any mail server, so tests see what a
mail client would: the bytes on the wire, parsed into headers and MIME parts. It can
refuse chosen recipients with a chosen reply ("550 5.1.1 No such user"), and call
back after each accepted message (to stop a worker at a precise moment).
"""

import email
import email.policy
import logging
import threading

from aiosmtpd.controller import Controller

from harness.servers import free_port


class MailServer:
    """``with MailServer() as server:`` listens until the block ends.

    ``server.url`` is the EMAIL_URL for it; ``server.messages`` the messages accepted
    (``keep=False`` only counts them, for the benchmark); ``server.refuse`` maps an
    address to the reply its RCPT TO gets.
    """

    def __init__(self, *, keep: bool = True):
        self.keep = keep
        self.messages: list[email.message.EmailMessage] = []
        self.accepted = 0
        self.refuse: dict[str, str] = {}
        self.after_accept = None  # called with the count, after the reply is sent
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"smtp://127.0.0.1:{self.port}?tls=0"

    def __enter__(self) -> "MailServer":
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every line
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()

    def mailer(self) -> dict:
        """A MAILERS entry for Django's SMTP backend pointed here."""
        from heatblog.mail import mailer_config

        return mailer_config(self.url)

    def to(self, address: str) -> list:
        """The messages accepted for ``address``."""
        with self._lock:
            return [m for m in self.messages if address in m["X-Envelope-To"].split(", ")]

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if reply := self.refuse.get(address):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.accepted += 1
            count = self.accepted
            if self.keep:
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
                message["X-Envelope-From"] = envelope.mail_from
                self.messages.append(message)
        if self.after_accept is not None:
            # After this reply reaches the client: the message is then theirs as sent.
            server.loop.call_later(0.02, self.after_accept, count)
        return "250 Message accepted for delivery"
