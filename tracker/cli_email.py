"""`activity-tracker outbox [--send] [--resend ID]`: the e-mail queue, and flushing it by hand
(on a computer where the program is not running, or from a scheduled task)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI module loads with the sign-in window: no database code at import
    from tracker.services.email_outbox import OutboxInfo


def _when(value: object) -> str:
    return str(value)[:16] if value else "-"


def _line(m: OutboxInfo) -> str:
    next_try = _when(m.next_attempt_at) if m.status in ("queued", "digest") else _when(m.sent_at)
    return "\t".join([str(m.id), m.status, m.to_address, m.subject, f"{m.attempts} tries",
                      f"next {next_try}" if m.status in ("queued", "digest") else f"at {next_try}",
                      m.last_error or ""]).rstrip("\t")


def cmd_outbox(args: argparse.Namespace) -> int:
    """Exit 0 when (with --send) everything due went; 1 when something due could not be sent."""
    from tracker.cli import _services, _system_actor

    with _services(args) as services:
        actor = _system_actor(services)
        if args.resend:
            count = services.email.resend(actor, args.resend)
            print(f"Queued again: {count} message(s).", file=sys.stderr)
        report = services.email.send_due() if args.send else None
        messages = services.email.outbox(actor, limit=args.limit)
    if args.json:
        print(json.dumps([{**vars(m), "next_attempt_at": _when(m.next_attempt_at), "sent_at": _when(m.sent_at),
                           "created_at": _when(m.created_at)} for m in messages], ensure_ascii=False, indent=2))
    else:
        for m in messages:
            print(_line(m))
        if not messages:
            print("The outbox is empty.")
    if report is None:
        return 0
    print(report.line(), file=sys.stderr if args.json else sys.stdout)
    return 0 if report.ok else 1
