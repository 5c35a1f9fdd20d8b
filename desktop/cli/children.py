"""`sotreem auto-events`: make the automatic change events (16th birthdays) due up to a day.

The app does this at login and every day while it is open; this command is the headless
path for a scheduled task on a machine where nobody opens the app for a while.
"""

from __future__ import annotations

import argparse
import json

from desktop.cli.common import CliError, open_from_args
from desktop.core.domain.dates import format_vn_date, parse_vn_date
from desktop.core.domain.errors import ValidationError
from sync import clock


def cmd_auto_events(args: argparse.Namespace) -> int:
    """Run the ``auto-events`` subcommand."""
    from desktop.core.services.events import apply_automatic_events

    today = clock.today()
    if args.date:
        try:
            day = parse_vn_date(args.date, label="--date")
        except ValidationError as exc:
            raise CliError(exc.message_vi, 2) from exc
        if day > today:
            raise CliError(f"--date {format_vn_date(day)} ở sau ngày hôm nay.", 2)
        today = day
    book = open_from_args(args)
    try:
        result = apply_automatic_events(book, today)
    finally:
        book.close()
    print(result.message_vi)
    print(
        json.dumps(
            {
                "created": result.created,
                "closed_episodes": result.closed_episodes,
                "through": format_vn_date(result.through),
            },
            ensure_ascii=False,
        )
    )
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register this module's subcommands."""
    p_auto = sub.add_parser(
        "auto-events", help="ghi biến động tự động (trẻ đủ 16 tuổi) đến hôm nay"
    )
    p_auto.add_argument("--date", help="xét đến ngày DD/MM/YYYY (mặc định hôm nay)")
    p_auto.set_defaults(func=cmd_auto_events)
