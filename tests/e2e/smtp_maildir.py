"""An aiosmtpd handler for the email end-to-end test: every accepted message is written to a
Maildir; recipients named in a comma-separated list are refused with 550 5.1.1. Where the server
offers AUTH (over TLS), AUTH PLAIN takes any user with the tests' password, mail-pass-1.

  /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_maildir.MaildirHandler DIR [REFUSED]
(with this folder on PYTHONPATH).
"""
import base64
import binascii
import mailbox


class MaildirHandler:
    def __init__(self, path, refused=""):
        self.box = mailbox.Maildir(path, create=True)
        self.refused = {a.strip().lower() for a in refused.split(",") if a.strip()}

    @classmethod
    def from_cli(cls, parser, *args):
        if not args:
            parser.error("MaildirHandler needs the Maildir path")
        return cls(*args)

    async def handle_AUTH(self, server, session, envelope, args):
        if args[0].upper() != "PLAIN" or len(args) > 2:
            return "504 5.5.4 only AUTH PLAIN"
        try:
            if len(args) == 2:
                blob = base64.b64decode(args[1], validate=True)
            else:  # no initial response: ask for it
                blob = await server.challenge_auth("")
            _, user, password = blob.split(b"\0")
        except (binascii.Error, ValueError, TypeError, AttributeError):
            return "501 5.5.2 cannot read the credentials"
        if password != b"mail-pass-1":
            return "535 5.7.8 Authentication credentials invalid"
        session.authenticated = True
        return "235 2.7.0 Authentication successful"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        header = (f"X-Envelope-From: {envelope.mail_from}\r\n"
                  f"X-Envelope-To: {','.join(envelope.rcpt_tos)}\r\n").encode()
        self.box.add(header + data)
        return "250 2.0.0 Message accepted for delivery"
