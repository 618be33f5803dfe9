"""Problems grouped by rule across files, each group with a one-line fix naming the mapping key (docs/data-mapping.md, Reading the validation output)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.data.dataset import MAX_LINES, Problem, shorten_values

__all__ = ["ProblemGroup", "group_problems", "fix_hint", "problem_report", "TERMINAL_LINES"]

#: the most lines ``make validate`` prints of a problem list; the full list goes to the log
TERMINAL_LINES = 40
_SHOWN_LINES = 5


@dataclass
class ProblemGroup:
    """The problems of one rule on one column (and source column), across every file."""

    column: str | None
    rule: str
    source: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def n_lines(self) -> int:
        return sum(max(p.n_lines, 1) for p in self.problems)

    @property
    def files(self) -> list[str]:
        return list(dict.fromkeys(p.file for p in self.problems))

    def head(self) -> str:
        """One line: the problem itself when it is in one file, else the rule with its counts and first lines."""
        if len(self.problems) == 1:
            return self.problems[0].message()
        first = self.problems[0]
        col = f"column '{self.column}'" + (f" (source '{self.source}')" if self.source else "") + ": " \
            if self.column else ""
        shown = ", ".join(str(n) for n in first.lines[:_SHOWN_LINES])
        more = " ..." if first.n_lines > len(first.lines[:_SHOWN_LINES]) or len(self.problems) > 1 else ""
        where = f", first in {first.file} line{'s' if first.n_lines > 1 else ''} {shown}{more}" if shown else ""
        n_files = len(self.files)
        return shorten_values(f"{col}{self.rule}: {self.n_lines:,} line{'s' if self.n_lines != 1 else ''} in "
                              f"{n_files:,} file{'s' if n_files != 1 else ''}{where}")


def _file_line(p: Problem) -> str:
    """One file of a group: its lines and its own example value."""
    where = p.file
    if p.lines:
        shown = ", ".join(str(n) for n in p.lines[:MAX_LINES])
        more = p.n_lines - len(p.lines[:MAX_LINES])
        where += f", line{'s' if p.n_lines > 1 else ''} {shown}" + (f" and {more:,} more" if more > 0 else "")
    return shorten_values(where + (f" ({p.detail})" if p.detail else ""))


def group_problems(problems: list[Problem]) -> list[ProblemGroup]:
    """Problems grouped by (column, rule, source column), in the order first found."""
    groups: dict[tuple, ProblemGroup] = {}
    for p in problems:
        key = (p.column, p.rule, p.source)
        if key not in groups:
            groups[key] = ProblemGroup(p.column, p.rule, p.source)
        groups[key].problems.append(p)
    return list(groups.values())


def fix_hint(column: str | None, rule: str, source: str | None = None) -> str:
    """A one-line fix naming the mapping key that fixes ``rule`` (empty when there is none to give)."""
    src = source or column or "the column"
    if rule == "required value is blank":
        if column == "buyer_id":
            return (f"declare `guest: true` for the source if these are guest checkouts, fill them with "
                    f"`defaults: {{buyer_id: ...}}`, or drop the lines with `rows: [{{exclude: {{column: {src}, "
                    "blank: true}}]`")
        return (f"fill the blanks with `defaults: {{{column}: ...}}`, or drop the lines with "
                f"`rows: [{{exclude: {{column: {src}, blank: true}}}}]`")
    if rule.startswith("duplicate value"):
        if column == "sale_id":
            return (f"an export without a line id: number the lines with `computed: {{line: {{row_number: "
                    f"{{within: {src}}}}}, line_id: {{concat: {{columns: [{src}, line], sep: \"-\"}}}}}}` and map "
                    "sale_id to line_id")
        return "map a column that is unique, or derive the table with `from: sales` and a `pick:` rule"
    if rule.startswith("must be >="):
        return (f"negative values are returns or corrections: drop them with `rows: [{{exclude: {{column: {src}, "
                f"less_than: 0}}}}]`, or turn them with `abs: {src}` and a `status_from:` rule; amounts exported "
                "as negative numbers take `multiply: -1`")
    if rule == "not a whole number":
        return f"whole numbers written as 17850.0 take `transforms: {{{column}: {{integer_text: true}}}}`"
    if rule.startswith("has a fractional part"):
        return f"the column holds fractions: map another column to {column}, or drop the lines with `exclude:`"
    if rule == "not a number":
        return f"amounts with currency signs take `transforms: {{{column}: {{strip_currency: true}}}}`"
    if rule.startswith(("not an ISO", "does not match date_format")):
        return f"give the export's layout with `transforms: {{{column}: {{date_format: \"%d/%m/%Y %H:%M\"}}}}`"
    if rule.startswith("value not allowed"):
        return (f"translate the export's words with `transforms: {{{column}: {{values: {{paid: completed}}}}}}`, "
                "or compute them with `status_from:`")
    if rule.startswith("value not found in "):
        table = rule.removeprefix("value not found in ").split(".csv", 1)[0]
        return (f"add the missing rows to {table}, or derive {table} from the sales export with "
                f"`tables: {{{table}: {{from: sales, key: {src}}}}}`")
    if rule == "required column missing":
        return f"map it with `columns: {{{column}: <your column>}}`, or give `constants:` or `defaults:`"
    if rule == "source column not found in the file":
        return "correct the name under `columns:` (the file's own columns are listed)"
    if rule.endswith("matches no file"):
        return "correct the `file:` pattern, or remove the source"
    if "more than half" in rule:
        return "check the rules; add `allow_large_exclusion: true` to the source if that is intended"
    return ""


def problem_report(problems: list[Problem], max_lines: int = TERMINAL_LINES) -> tuple[list[str], list[str]]:
    """(terminal lines, full lines) of a problem list: a summary line first, then per group its head,
    its files with their own example values, and its fix. The terminal lines are at most ``max_lines``."""
    groups = group_problems(problems)
    files = {p.file for p in problems}
    n_lines = sum(g.n_lines for g in groups)
    summary = (f"The input breaks the data contract: {len(groups):,} problem{'s' if len(groups) != 1 else ''}, "
               f"{n_lines:,} line{'s' if n_lines != 1 else ''} in {len(files):,} file{'s' if len(files) != 1 else ''}.")
    full = [summary]
    blocks = []
    for g in groups:
        fix = fix_hint(g.column, g.rule, g.source)
        head = [f"  - {g.head()}"]
        body = [f"      {_file_line(p)}" for p in g.problems] if len(g.problems) > 1 else []
        tail = [f"      fix: {fix}"] if fix else []
        full += head + body + tail
        blocks.append((head, body, tail))
    if len(full) <= max_lines:
        return full, full
    term = [summary]
    budget = max_lines - 2  # the summary, and the line pointing to the full list
    fixed = sum(len(h) + len(t) for h, _, t in blocks)
    spare = max(0, budget - fixed)
    shown_groups = 0
    for head, body, tail in blocks:
        if len(term) + len(head) + len(tail) > budget + 1:
            break
        take = min(len(body), 3, spare)
        cut = body[:take]
        spare -= take
        if len(body) > take and spare > 0:
            cut.append(f"      ... and {len(body) - take:,} more files")
            spare -= 1
        term += head + cut + tail
        shown_groups += 1
    if shown_groups < len(blocks):
        term.append(f"  ... and {len(blocks) - shown_groups:,} more problems")
    return term[:max_lines - 1], full
