"""`activity-tracker badges` (the badges with their ids and award counts) and `badge-png` (an
award as an Open Badges 3.0 picture: a PNG, and an SVG with ``--svg``, baked with the signed
credential). Both sign in like the other commands: the first administrator, or ``--user``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from tracker.errors import TrackerError


def cmd_badges(args: argparse.Namespace) -> int:
    from tracker.api import TrackerAPI
    from tracker.cli import _actor, _print_records, _services

    with _services(args) as services:
        api = TrackerAPI(services)
        if args.student is not None:
            held = api.student_badges(_actor(args, services), args.student)
            awards = held["earned"] + held["revoked"]
        else:
            rows = api.list_badges(_actor(args, services), args.activity)
    if args.student is not None:
        _print_records(awards, args.json, _award_line)
        return 0

    def line(b: dict[str, Any]) -> list[str]:
        return [b["name"], b["activity_name"] or "school-wide", b["criteria_text"],
                f"{b['points']} points", f"{b['awarded_count']} awarded"]

    _print_records(rows, args.json, line)
    return 0


def _award_line(a: dict[str, Any]) -> list[str]:
    return [a["badge_name"], a["awarded_at"][:10], a["activity_name"] or "school-wide",
            f"by {a['awarded_by_name'] or 'the rules'}", *([f"revoked: {a['revoke_reason']}"] if a["revoked_at"] else [])]


def cmd_badge_png(args: argparse.Namespace) -> int:
    """Write the baked PNG (and SVG) atomically; a revoked award is refused (exit 1)."""
    from tracker.cli import _actor, _services
    from tracker.services.ical import write_atomic

    with _services(args) as services:
        actor = _actor(args, services)
        png = services.badges.export_png(actor, args.award)
        svg = services.badges.export_svg(actor, args.award) if args.svg else None
        facts = services.badges.credential_facts(actor, args.award)
    written = [(args.out, png)] + ([(args.svg, svg.encode("utf-8"))] if svg is not None else [])
    for path, data in written:
        try:
            write_atomic(path, data)
        except OSError as exc:
            raise TrackerError(f"Cannot write {path}: {exc.strerror or exc}") from None
    paths = [str(path) for path, _ in written]
    if args.json:
        print(json.dumps({"award_id": args.award, "badge": facts.badge_name, "paths": paths}, ensure_ascii=False))
    else:
        print(f"Wrote {' and '.join(paths)}: {facts.badge_name}, awarded {facts.awarded_at:%d %b %Y}.")
    return 0
