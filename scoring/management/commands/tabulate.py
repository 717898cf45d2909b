"""`manage.py tabulate FILE`: tabulate a round from a JSON file (or `-` for stdin) with the same
engine as the web app (scoring.tabulation), printing the standings as JSON.

Input (only "marks" is required; see scoring.tabulation.tabulate_document)::

    {"method": "trimmed_mean", "drop_highest": 1, "drop_lowest": 1, "decimals": 2,
     "ranking": "standard", "higher_is_better": true,
     "criteria": [{"key": "content", "weight": "3"}, {"key": "delivery", "weight": "2"}],
     "judges": ["J1", "J2", "J3"], "tie_breaks": [{"criterion": "content"}],
     "disagreement_threshold": "1.5",
     "marks": [{"entry": "A", "judge": "J1", "criterion": "content", "value": "8.5"}]}

Bad input exits with status 1 and one line naming the problem.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from scoring.tabulation import TabulationError, tabulate_document


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


class Command(BaseCommand):
    help = "Tabulate a round from a JSON file ('-' reads stdin) and print the standings as JSON."
    requires_system_checks: list[str] = []
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", help="the round as JSON, or - to read standard input")

    def handle(self, *args, file: str, **options):
        if file == "-":
            text = options.get("stdin", sys.stdin).read()
            name = "standard input"
        else:
            name = file
            try:
                text = Path(file).read_text(encoding="utf-8")
            except OSError as error:
                raise CommandError(f"cannot read {file}: {error.strerror or error}") from None
            except UnicodeDecodeError:
                raise CommandError(f"cannot read {file}: not UTF-8 text") from None
        try:
            document = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except ValueError as error:
            raise CommandError(f"{name} is not valid JSON: {error}") from None
        except RecursionError:
            raise CommandError(f"{name} is not valid JSON: nested too deeply") from None
        try:
            result = tabulate_document(document)
        except TabulationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
