import pytest

from harness.mailserver import MailServer


@pytest.fixture
def mail_server(settings):
    """A real SMTP server in this process, and Django's SMTP backend pointed at it."""
    with MailServer() as server:
        settings.MAILERS = {"default": server.mailer()}
        yield server
