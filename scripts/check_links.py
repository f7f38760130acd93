#!/usr/bin/env python3
"""Checks that every relative link in the repository's Markdown resolves in a
fresh clone: the file or folder it names is in the repository (tracked, or new
and not ignored), and its `#anchor`, when it points into a Markdown file, is a
heading (or an explicit `id`/`name`) there. External links (`https:`,
`mailto:` ...) are not fetched.

Usage: scripts/check_links.py [PATH...]   (default: every *.md in the repository)
Prints one line per broken link, `file:line: link: why`; exits 1 if any.
Standard library only.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "target", ".dev", "node_modules", "__pycache__"}

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target) and ![alt](target); the target may be <...> and have a title.
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")
REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
HTML_LINK = re.compile(r"<(?:a|img)\b[^>]*?\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.I)
HTML_ANCHOR = re.compile(r"<[a-z]+\b[^>]*?\b(?:id|name)\s*=\s*[\"']([^\"']+)[\"']", re.I)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def repository_files() -> set[str]:
    """Paths (relative to the root, `/`-separated) a fresh clone would have,
    plus new files not ignored; a walk of the tree when git is not there."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, capture_output=True, check=True,
        ).stdout.decode()
        return {p for p in out.split("\0") if p and (ROOT / p).exists()}
    except (OSError, subprocess.CalledProcessError):
        files = set()
        for dirpath, dirnames, filenames in os.walk(ROOT):
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS]
            for name in filenames:
                files.add(Path(dirpath, name).relative_to(ROOT).as_posix())
        return files


def directories(files: set[str]) -> set[str]:
    dirs = {""}
    for f in files:
        parts = f.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    return dirs


def plain_text(heading: str) -> str:
    """A heading's text as GitHub renders it: links and images to their text,
    code spans to their content, emphasis markers dropped, HTML tags dropped."""
    text = re.sub(r"!?\[((?:[^\[\]]|\[[^\]]*\])*)\]\([^)]*\)", r"\1", heading)
    text = CODE_SPAN.sub(lambda m: "\0" + m.group(2).replace("_", "\1").replace("*", "\2") + "\0", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = text.replace("*", "")
    text = re.sub(r"(^|[^\w])_+|_+(?=[^\w]|$)", r"\1", text)
    return text.replace("\0", "").replace("\1", "_").replace("\2", "*")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case; letters, digits, `-` and `_`
    kept, spaces to `-`, everything else dropped."""
    out = []
    for ch in plain_text(heading).strip().lower():
        if ch in " -_" or unicodedata.category(ch)[0] in "LN":
            out.append("-" if ch == " " else ch)
    return "".join(out)


def without_code_spans(line: str) -> str:
    return CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def scan(text: str) -> tuple[set[str], list[tuple[int, str]]]:
    """The anchors a Markdown file defines and the links (line, target) it has."""
    anchors: set[str] = set()
    seen: dict[str, int] = {}
    links: list[tuple[int, str]] = []
    fence = None
    previous = ""

    def add_heading(title: str) -> None:
        base = slug(title)
        n = seen.get(base, 0)
        anchors.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1

    for number, line in enumerate(text.splitlines(), 1):
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            previous = ""
            continue
        if opened:
            fence = opened.group(1)
            previous = ""
            continue
        if line.startswith("    ") and not previous.strip():
            continue  # indented code
        heading = ATX.match(line)
        if heading:
            add_heading(heading.group(2))
        elif SETEXT.match(line) and previous.strip() and not previous.lstrip().startswith(("-", "*", "|", ">")):
            add_heading(previous.strip())
        for anchor in HTML_ANCHOR.findall(line):
            anchors.add(anchor)
        code_free = without_code_spans(line)
        for match in INLINE.finditer(code_free):
            links.append((number, match.group(1)))
        definition = REFERENCE_DEF.match(code_free)
        if definition:
            links.append((number, definition.group(1)))
        for target in HTML_LINK.findall(code_free):
            links.append((number, target))
        previous = line
    return anchors, links


def check(paths: list[Path]) -> list[str]:
    files = repository_files()
    dirs = directories(files)
    anchors_of: dict[str, set[str]] = {}

    def anchors(rel: str) -> set[str]:
        if rel not in anchors_of:
            anchors_of[rel] = scan((ROOT / rel).read_text(encoding="utf-8"))[0]
        return anchors_of[rel]

    problems = []
    for path in paths:
        rel = path.resolve().relative_to(ROOT).as_posix()
        _, links = scan(path.read_text(encoding="utf-8"))
        for line, raw in links:
            target = raw[1:-1] if raw.startswith("<") and raw.endswith(">") else raw
            if not target or SCHEME.match(target) or target.startswith("//"):
                continue
            where, _, fragment = target.partition("#")
            where = unquote(where.split("?", 1)[0])
            if where:
                base = ROOT if where.startswith("/") else (ROOT / rel).parent
                resolved = os.path.normpath(base / where.lstrip("/"))
                if not resolved.startswith(str(ROOT)):
                    problems.append(f"{rel}:{line}: {raw}: points outside the repository")
                    continue
                linked = Path(resolved).relative_to(ROOT).as_posix() if resolved != str(ROOT) else ""
                if linked not in files and linked not in dirs:
                    problems.append(f"{rel}:{line}: {raw}: no such file in the repository")
                    continue
            else:
                linked = rel
            if fragment and linked.endswith(".md") and linked in files:
                if unquote(fragment) not in anchors(linked):
                    problems.append(f"{rel}:{line}: {raw}: no heading or anchor #{fragment} in {linked}")
    return problems


def markdown_files(args: list[str]) -> list[Path]:
    if not args:
        return sorted(ROOT / f for f in repository_files() if f.endswith(".md"))
    out = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*.md") if not SKIPPED_DIRS & set(p.parts)))
        else:
            out.append(path)
    return out


def main(args: list[str]) -> int:
    paths = markdown_files(args)
    problems = check(paths)
    for problem in problems:
        print(problem)
    print(f"check_links: {len(paths)} Markdown files, {len(problems)} broken links", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
