"""The guide's list of SQL building blocks, generated from the blocks' own comments.

Each macro in `sql/_blocks/*.sql` is preceded by a `{#- ... -#}` comment saying what it returns.
That comment is the one description of a block: `blocks_markdown()` turns every file's macros
into a Markdown section of docs/adding-a-report.md (between `<!-- blocks:start -->` and
`<!-- blocks:end -->`), so the guide cannot fall behind the blocks (a hand-written list once
left out the looked-after blocks). `mi reports blocks --write` regenerates it and
tests/test_docs.py checks it is current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reporting import settings

GUIDE = settings.REPO_ROOT / "docs" / "adding-a-report.md"
START, END = "<!-- blocks:start -->", "<!-- blocks:end -->"
# blocks.sql holds the shared basics every area uses, so it is listed first; then file-name order.
FIRST = "blocks.sql"

# A Jinja comment, or a macro's opening tag, in the order they appear in a file.
_TOKEN = re.compile(r"\{#-?(?P<comment>.*?)-?#\}"
                    r"|\{%-?\s*macro\s+(?P<name>\w+)\s*\((?P<args>[^)]*)\)\s*-?%\}", re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One macro: how it is called and what its comment says it returns ('' when it has none)."""

    name: str
    args: str
    comment: str

    @property
    def signature(self) -> str:
        return f"{self.name}({self.args})"


@dataclass(frozen=True)
class BlockFile:
    """One file of blocks: its opening comment (what the file is for) and its macros in order."""

    path: Path
    intro: str
    blocks: list[Block]


def _prose(comment: str) -> str:
    """A comment's text as one paragraph: its line breaks and indentation are only layout."""
    return " ".join(comment.split())


def read_blocks(path: Path) -> BlockFile:
    """The macros of one blocks file, each with the comment just before it (only blank space
    between: a comment further up describes something else)."""
    text = path.read_text(encoding="utf-8")
    intro, blocks = "", []
    pending: re.Match[str] | None = None  # the last comment seen, until a macro takes it
    for match in _TOKEN.finditer(text):
        if match.group("comment") is not None:
            if not text[:match.start()].strip():
                intro = _prose(match.group("comment"))  # the file's opening comment...
            pending = match
            continue
        comment = ""
        if pending is not None and not text[pending.end():match.start()].strip():
            comment = _prose(pending.group("comment"))
            if pending.start() == 0 or not text[:pending.start()].strip():
                intro = ""  # ...unless it is the first macro's own
        blocks.append(Block(match.group("name"), " ".join(match.group("args").split()), comment))
        pending = None
    return BlockFile(path, intro, blocks)


def block_files(blocks_dir: Path | None = None) -> list[BlockFile]:
    """Every file of blocks, blocks.sql first."""
    blocks_dir = blocks_dir or settings.sql_dir() / "_blocks"
    paths = sorted(blocks_dir.glob("*.sql"), key=lambda p: (p.name != FIRST, p.name))
    return [read_blocks(path) for path in paths]


def blocks_markdown(blocks_dir: Path | None = None) -> str:
    """The guide's section between the markers: one heading per file, one entry per block."""
    lines = ["", "<!-- Generated from the comments in sql/_blocks/*.sql by `mi reports blocks --write`: "
                 "edit those comments, not this list. -->", ""]
    for file in block_files(blocks_dir):
        lines += [f"### `sql/_blocks/{file.path.name}`", ""]
        if file.intro:
            lines += [file.intro, ""]
        lines += [f"* `{{{{ {block.signature} }}}}`: {block.comment or '(no description yet)'}"
                  for block in file.blocks]
        lines.append("")
    return "\n".join(lines)


def with_blocks(guide: str, section: str) -> str:
    """The guide's text with the section between the markers replaced by `section`."""
    if START not in guide or END not in guide:
        raise ValueError(f"the guide has no {START} ... {END} markers to put the blocks between")
    before, rest = guide.split(START, 1)
    return before + START + section + END + rest.split(END, 1)[1]


def section_in(guide: str) -> str:
    """What the guide holds between the markers now."""
    return guide.split(START, 1)[1].split(END, 1)[0] if START in guide and END in guide else ""
