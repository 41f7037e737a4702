"""Turn raw file contents into lines and a YAML front matter, whatever the file holds.

This is the parser's guard at the door. Uploaded files can be anything: empty, binary,
huge, not UTF-8, or YAML built to explode (aliases of aliases) or to recurse forever. Each
of those becomes one clear finding here, so the code behind can assume a modest text file.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import yaml

from edu.cases.model import MAX_FILE_BYTES
from edu.cases.report import Report

#: Deeper front matter than this is no case file; the limit also keeps YAML's recursive
#: composer far from Python's recursion limit.
MAX_YAML_DEPTH = 12
#: A front matter of a few dozen keys has a few hundred YAML events; far more means abuse.
MAX_YAML_EVENTS = 20_000

# libyaml is much faster (issue 10: 1,000 files in 5 s); the pure-Python loader behaves the same.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# C0 control characters other than tab, newline and carriage return mark a binary file or a
# copy-paste accident; either way nothing a learner should be shown.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FENCE_LINE = re.compile(r"^(---|\.\.\.)\s*$")


@dataclass(frozen=True)
class Source:
    """A decoded file: its lines (no newline characters) and a hash of its exact content."""

    lines: list[str]
    content_hash: str


@dataclass(frozen=True)
class FrontMatter:
    """The YAML front matter: its value, key lines and the index of the first body line."""

    data: object
    locations: dict[str, int]
    body_start: int


def _line_of_offset(data: bytes | str, offset: int) -> int:
    """The 1-based line of ``offset``, counting LF, CRLF and a lone CR as editors do."""
    head = data[:offset]
    if isinstance(head, bytes):
        return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


def decode(data: str | bytes, report: Report) -> Source | None:
    """Return the file's lines, or None after recording why the file cannot be read.

    Newlines are normalised (CRLF and CR become LF) and a UTF-8 byte-order mark is dropped,
    so line numbers match what an editor shows.
    """
    size_limit = f"{MAX_FILE_BYTES // 1024} KiB"
    if isinstance(data, str):
        # A str can be far larger than the limit before we pay for encoding it.
        if len(data) > MAX_FILE_BYTES:
            report.error(1, f"file is larger than {size_limit}: split it into smaller files")
            return None
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError as exc:
            report.error(
                _line_of_offset(data, exc.start),
                f"invalid character at position {exc.start} (a lone surrogate): "
                "save the file as UTF-8 text",
            )
            return None
    else:
        raw = bytes(data)
    if len(raw) > MAX_FILE_BYTES:
        report.error(
            1,
            f"file is {len(raw) // 1024} KiB, larger than the {size_limit} limit: "
            "split it into smaller cases or quiz banks",
        )
        return None
    nul = raw.find(b"\x00")
    if nul >= 0:
        report.error(
            _line_of_offset(raw, nul),
            f"file contains a NUL byte at byte offset {nul}: it looks binary; "
            "save the case as a UTF-8 Markdown text file",
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error(
            _line_of_offset(raw, exc.start),
            f"invalid UTF-8 at byte offset {exc.start}: save the file with UTF-8 encoding",
        )
        return None
    content_hash = hashlib.sha256(raw).hexdigest()
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    control = _CONTROL.search(text)
    if control:
        report.error(
            _line_of_offset(text, control.start()),
            f"control character U+{ord(control.group()):04X} in the text: "
            "remove it (it is invisible in most editors; retype the line)",
        )
        return None
    if not text.strip():
        report.error(
            1,
            "file is empty: start with a front matter block (a '---' line, YAML keys, "
            "a '---' line) and then '## Title {#node-id}' sections; see docs/case-format.md",
        )
        return None
    return Source(text.split("\n"), content_hash)


def split_front_matter(lines: list[str], report: Report) -> FrontMatter | None:
    """Return the parsed front matter, or None after recording why it cannot be read."""
    if not _FENCE_LINE.match(lines[0]) or lines[0].startswith("..."):
        report.error(
            1,
            "the file must start with a '---' line that opens the YAML front matter "
            "(id, title, authors, ...); see docs/case-format.md",
        )
        return None
    end = next((i for i in range(1, len(lines)) if _FENCE_LINE.match(lines[i])), None)
    if end is None:
        report.error(
            1,
            "the front matter opened on line 1 is never closed: "
            "add a '---' line after its last key",
        )
        return None
    loaded = load_yaml("\n".join(lines[1:end]), first_line=2, report=report)
    if loaded is None:
        return None
    data, locations = loaded
    return FrontMatter(data, locations, body_start=end + 1)


def load_yaml(text: str, first_line: int, report: Report) -> tuple[object, dict[str, int]] | None:
    """Safely load YAML; return ``(value, key_lines)`` or None after recording the problem.

    ``first_line`` is the file line of the YAML's first line. ``key_lines`` maps top-level
    keys, ``key.subkey`` and ``key[index]`` to their file lines. Anchors and aliases are
    refused (a "billion laughs" document is a handful of aliases), and so is deep nesting.
    """
    if _scan_events(text, first_line, report) is False:
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        report.error(_mark_line(exc, first_line), _yaml_message(exc, first_line))
        return None
    except Exception as exc:  # noqa: BLE001 - a third-party parser on hostile input
        # Constructors raise plain ValueError/OverflowError for e.g. a date like 2024-13-45.
        report.error(first_line, f"the front matter cannot be read ({exc}): fix the YAML value")
        return None
    finally:
        loader.dispose()
    locations: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        _record_locations(node, first_line, locations, report)
    return value, locations


_TOO_DEEP = (
    f"the front matter is nested more than {MAX_YAML_DEPTH} levels deep: "
    "flatten it (see docs/case-format.md for the keys)"
)


def _scan_events(text: str, first_line: int, report: Report) -> bool:
    """Walk the YAML event stream once (iteratively) to refuse aliases and deep nesting."""
    depth = 0
    try:
        for count, event in enumerate(yaml.parse(text, Loader=_Loader)):
            line = event.start_mark.line + first_line if event.start_mark else first_line
            if isinstance(event, yaml.AliasEvent):
                report.error(
                    line,
                    "YAML aliases ('*name') are not allowed in case files: write the value out",
                )
                return False
            if getattr(event, "anchor", None):
                report.error(
                    line,
                    "YAML anchors ('&name') are not allowed in case files: write values out",
                )
                return False
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    report.error(line, _TOO_DEEP)
                    return False
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if count > MAX_YAML_EVENTS:
                report.error(first_line, "the front matter is far too long: keep it to the keys")
                return False
    except yaml.MarkedYAMLError as exc:
        # PyYAML 6.0.4 and later stop at a nesting limit of their own while reading ahead,
        # before the event that would cross ours: the same problem, told the same way.
        too_deep = "nesting depth" in (exc.problem or "")
        message = _TOO_DEEP if too_deep else _yaml_message(exc, first_line)
        report.error(_mark_line(exc, first_line), message)
        return False
    except Exception as exc:  # noqa: BLE001 - a third-party parser on hostile input
        report.error(first_line, f"the front matter cannot be read ({exc}): fix the YAML")
        return False
    return True


def _mark_line(exc: yaml.MarkedYAMLError, first_line: int) -> int:
    mark = exc.problem_mark or exc.context_mark
    return first_line + mark.line if mark is not None else first_line


def _yaml_message(exc: yaml.MarkedYAMLError, first_line: int) -> str:
    problem = " ".join(part for part in (exc.context, exc.problem) if part)
    opened = ""
    context, mark = exc.context_mark, exc.problem_mark
    if context is not None and mark is not None and context.line != mark.line:
        opened = f" (it started on line {context.line + first_line})"
    return (
        f"broken YAML in the front matter: {problem}{opened}: fix the syntax "
        "(check indentation, colons and quotes; quote values that contain ': ' or '#')"
    )


def _record_locations(
    mapping: yaml.MappingNode, first_line: int, locations: dict[str, int], report: Report
) -> None:
    """Record key lines two levels deep and report keys written twice (YAML keeps the last)."""
    seen: dict[str, int] = {}
    for key_node, value_node in mapping.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = str(key_node.value)
        line = key_node.start_mark.line + first_line
        if key in seen:
            report.error(
                line,
                f"front-matter key '{key}' is written twice (first on line {seen[key]}): keep one",
            )
        seen[key] = line
        locations[key] = line
        if isinstance(value_node, yaml.MappingNode):
            inner: dict[str, int] = {}
            for sub_key, _ in value_node.value:
                if isinstance(sub_key, yaml.ScalarNode):
                    sub_line = sub_key.start_mark.line + first_line
                    name = f"{key}.{sub_key.value}"
                    if name in inner:
                        report.error(
                            sub_line,
                            f"'{sub_key.value}' is written twice under '{key}' "
                            f"(first on line {inner[name]}): keep one",
                        )
                    inner[name] = sub_line
            locations.update(inner)
        elif isinstance(value_node, yaml.SequenceNode):
            for index, item in enumerate(value_node.value):
                locations[f"{key}[{index}]"] = item.start_mark.line + first_line


def parse_scalar(raw: str) -> tuple[object, str | None]:
    """Read one inline YAML value (an event's value); return ``(value, error)``.

    Same rules as the front matter (``true``, ``42``, ``[A, B]``), so an author writes a
    value the same way in both places.
    """
    simple = _simple_scalar(raw)
    if simple is not None:
        return simple, None
    report = Report("<value>")
    loaded = load_yaml(raw, first_line=1, report=report)
    if loaded is None:
        return None, report.findings[0].message if report.findings else "unreadable value"
    value, _ = loaded
    if isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, list | dict) for v in value)
    ):
        return None, "a value must be a single word, number, true/false or a [list, of, codes]"
    return value, None


_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?(?:0|[1-9][0-9]*)\.[0-9]+$")
_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
# Words YAML 1.1 reads as booleans or null; they go through the YAML loader.
_YAML_SPECIAL = frozenset({"yes", "no", "true", "false", "on", "off", "null"})


def _simple_scalar(raw: str) -> object | None:
    """Return the value of a plain number, true/false or word exactly as YAML reads it.

    Most event values are such scalars; reading them directly keeps a library of a
    thousand cases fast. Anything else returns None and goes through the YAML loader.
    """
    if raw == "true":
        return True
    if raw == "false":
        return False
    if _INT.match(raw):
        return int(raw)
    if _FLOAT.match(raw):
        return float(raw)
    if _WORD.match(raw) and raw.lower() not in _YAML_SPECIAL:
        return raw
    return None
