"""Presets: the mapping of a platform's own export layout, used as ``preset: <name>`` in mapping.yaml (docs/data-mapping.md, Presets).

Each preset is one YAML file beside this module (``shopify-orders.yaml``, ...) holding a title for
messages, the contract table it feeds, a default source name and ``mapping:``, the keys of one
source (``file``, ``computed``, ``columns``, ``constants``, ``defaults``, ``transforms``, ``rows``,
``guest``). :func:`merge` lays the keys written beside ``preset:`` over the preset's, key by key;
:func:`looks_like` tells which presets a file's header row fits, for ``make validate`` on a folder of
exports without a mapping.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["Preset", "PRESET_DIR", "MERGED_KEYS", "presets", "get", "merge", "header_of", "looks_like",
           "preset_hint", "folder_hints"]

PRESET_DIR = Path(__file__).resolve().parent
#: source keys whose value is a mapping: the keys written beside ``preset:`` are merged into the preset's
#: entry by entry (a column, a constant, a transform's column, a computed column); other keys replace
MERGED_KEYS = ("columns", "constants", "defaults", "transforms", "computed")
#: a header row is read from at most this many bytes of a file
_HEAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class Preset:
    """One platform's export layout: its ``name`` (``shopify-orders``), ``title`` for messages, ``table``,
    default source ``source_name`` and ``mapping`` (the keys of one source, docs/data-mapping.md)."""

    name: str
    title: str
    table: str
    source_name: str
    mapping: dict = field(default_factory=dict)

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The columns of the export the preset reads: mapped, used by computed columns or row rules,
        minus the columns it computes itself."""
        m = self.mapping
        computed = m.get("computed") or {}
        used: list[str] = []

        def cond_cols(c: object) -> None:
            if isinstance(c, dict):
                if isinstance(c.get("column"), str):
                    used.append(c["column"])
                for part in (c.get("all") or []) + (c.get("any") or []):
                    cond_cols(part)

        for spec in computed.values():
            for op, arg in spec.items():
                if op == "status_from":
                    for case in arg:
                        cond_cols(case.get("when"))
                elif op == "concat":
                    used += list(arg["columns"])
                elif op == "row_number":
                    w = arg["within"]
                    used += [w] if isinstance(w, str) else list(w)
                elif op == "abs":
                    used.append(arg)
                elif isinstance(arg, dict) and isinstance(arg.get("column"), str):
                    used.append(arg["column"])
        used += [str(v) for v in (m.get("columns") or {}).values()]
        for rule in m.get("rows") or []:
            for cond in rule.values():
                cond_cols(cond)
        return tuple(dict.fromkeys(c for c in used if c not in computed))


@functools.cache
def presets() -> dict[str, Preset]:
    """Every preset shipped with the suite, by name (read once from ``PRESET_DIR/*.yaml``)."""
    out = {}
    for path in sorted(PRESET_DIR.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[path.stem] = Preset(path.stem, str(doc["title"]), str(doc["table"]), str(doc["name"]),
                                dict(doc["mapping"]))
    return out


def get(name: str) -> Preset | None:
    """The preset called ``name``, or None."""
    return presets().get(name) if isinstance(name, str) else None


def merge(preset: Preset, spec: dict) -> dict:
    """The source keys of ``preset`` with ``spec`` (the keys written beside ``preset:``) laid over them.

    For ``columns``, ``constants``, ``defaults``, ``transforms`` and ``computed`` each entry of
    ``spec`` replaces the preset's entry of the same name, and an entry written ``~`` (null) removes
    it; a column ``spec`` maps drops the preset's constant for it and the other way round. Every other
    key (``file``, ``rows``, ``guest``, ...) replaces the preset's. ``name`` defaults to the preset's
    source name (docs/data-mapping.md, Presets).
    """
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in preset.mapping.items()}
    for key, value in spec.items():
        if key == "preset":
            continue
        if key in MERGED_KEYS and isinstance(value, dict) and isinstance(out.get(key), dict):
            merged = dict(out[key])
            for k, v in value.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            out[key] = merged
        else:
            out[key] = value
    mine = spec.get("columns") if isinstance(spec.get("columns"), dict) else {}
    const = spec.get("constants") if isinstance(spec.get("constants"), dict) else {}
    for col in mine:
        if col not in const and isinstance(out.get("constants"), dict):
            out["constants"].pop(col, None)
    for col in const:
        if col not in mine and isinstance(out.get("columns"), dict):
            out["columns"].pop(col, None)
    out.setdefault("name", preset.source_name)
    return out


def header_of(path: Path) -> list[str]:
    """The header row of a CSV file (UTF-8, a byte-order mark dropped; comma, semicolon or tab), or [] when unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read(_HEAD_BYTES)
    except OSError:
        return []
    text = data.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delim = max((",", ";", "\t"), key=first.count)
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    except csv.Error:
        return []
    return [c.strip() for c in row]


def looks_like(header: list[str]) -> list[Preset]:
    """The presets whose every source column is in ``header``, the one reading most columns first."""
    have = set(header)
    fits = [p for p in presets().values() if p.source_columns and set(p.source_columns) <= have]
    return sorted(fits, key=lambda p: (-len(p.source_columns), p.name))


def preset_hint(path: Path, has_mapping: bool = False) -> str | None:
    """One sentence naming the preset a file looks like, e.g. ``orders_export_1.csv looks like a Shopify
    orders export: add a mapping.yaml with 'preset: shopify-orders'``; None when it fits none."""
    fits = looks_like(header_of(path))
    return _sentence([path.name], fits[0], has_mapping) if fits else None


def _sentence(names: list[str], p: Preset, has_mapping: bool) -> str:
    shown = names if len(names) <= 3 else names[:2] + [f"{len(names) - 2} more files"]
    who = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    verb = "looks" if len(names) == 1 else "look"
    todo = (f"add a source with 'preset: {p.name}' to mapping.yaml" if has_mapping
            else f"add a mapping.yaml with 'preset: {p.name}'")
    return f"{who} {verb} like {p.title}: {todo}"


def folder_hints(files: list[Path], has_mapping: bool = False) -> list[str]:
    """For CSV files that nothing reads, one sentence per preset they look like (docs/data-mapping.md,
    Presets), and how to combine several; [] when none fits a preset. ``has_mapping``: the folder has a
    mapping.yaml already (the sentences then say to add a source to it)."""
    groups: dict[str, list[str]] = {}
    for f in files:
        fits = looks_like(header_of(f))
        if fits:
            groups.setdefault(fits[0].name, []).append(f.name)
    out = [_sentence(names, presets()[name], has_mapping) for name, names in groups.items()]
    if len(groups) > 1 and not has_mapping:
        items = ", ".join(f"{{preset: {name}}}" for name in groups)
        out.append(f"For all of them in one report: tables: {{sales: {{sources: [{items}]}}}} "
                   "(docs/data-mapping.md, Presets)")
    return out
