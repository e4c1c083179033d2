"""Mail backends for tests of a misbehaving mail server: the network edge, faked faithfully
(they raise what smtplib raises). Point EMAIL_BACKEND at them with the `settings` fixture."""

from __future__ import annotations

import smtplib

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class FlakyBackend(LocmemBackend):
    """Drops the connection for the first `failures` sends, then delivers to mail.outbox."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


class RecipientRefusingBackend(BaseEmailBackend):
    """A server that refuses every recipient for good (550), as smtplib reports it."""

    def send_messages(self, messages):
        refused = {to: (550, b"5.1.1 mailbox unavailable") for m in messages for to in m.to}
        raise smtplib.SMTPRecipientsRefused(refused)
