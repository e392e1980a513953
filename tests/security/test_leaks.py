"""Issue 16, item 6: in outbox mode the magic link went to the app log and to
world-readable .eml files; client addresses were stored as plain SHA-256
(that one is in test_login_http.py)."""

from __future__ import annotations

import logging

from autocoach.services import auth
from tests.security.helpers import outbox_links, token_of


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_no_magic_link_in_the_logs_and_outbox_files_are_private(app_settings):
    kept = _Keep()
    logger = logging.getLogger("autocoach")
    logger.addHandler(kept)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        assert auth.request_login_link("leak@example.fr", "192.0.2.1") is auth.LoginRequestOutcome.SENT
    finally:
        logger.removeHandler(kept)
        logger.setLevel(old_level)
    token = token_of(outbox_links(app_settings)[0])
    assert kept.lines, "the outbox delivery is logged (without the link)"
    assert not [line for line in kept.lines if token in line or "/auth/verify/" in line]
    files = list(app_settings.mail_outbox_dir.glob("*.eml"))
    assert [f.stat().st_mode & 0o777 for f in files] == [0o600]
