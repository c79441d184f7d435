#!/usr/bin/env python3
"""Checks the links of the repository's Markdown documents: every `(#anchor)` names a heading of the same file, every
relative `(path)` or `(path#anchor)` names a file that exists and, for a Markdown file, one of its headings.

    python3 scripts/check-doc-links.py [FILE.md ...]     (default: README.md, docs/*.md, deploy/README.md)

Anchors are computed as GitHub renders them: the heading's text without Markdown marks, lower case, every character
that is not a letter, a digit, a space, `-` or `_` removed, spaces turned into `-`; a repeated heading gets `-1`, `-2`, …
Headings inside fenced code blocks are not headings. External links (http:, https:, mailto:) are not fetched.
Exit 0 when every link resolves, 1 otherwise (one line per broken link: file, line, link, why). Part of CI since
session 16 (scripts/test.sh runs it before the .NET tests and fails the run on a broken link): run it after moving or
renaming sections, and after merging branches that each edited the README.
"""
import os
import re
import sys
import unicodedata

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HTML_ANCHOR = re.compile(r"<a\s+(?:name|id)=\"([^\"]+)\"")


def slug(text):
    """GitHub's heading anchor for one heading's text."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: keep their text
    text = text.replace("`", "").replace("*", "")
    out = []
    for ch in text.lower():
        cat = unicodedata.category(ch)
        if ch in " -_" or cat[0] in "LN":
            out.append(ch)
    return "".join(out).replace(" ", "-")


def lines_outside_fences(path):
    """(line number, text) of every line that is not inside a fenced code block."""
    inside = False
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if FENCE.match(line):
                inside = not inside
                continue
            if not inside:
                yield number, line.rstrip("\n")


def anchors(path, cache={}):
    if path not in cache:
        seen, found = {}, set()
        for _, line in lines_outside_fences(path):
            m = HEADING.match(line)
            if m:
                base = slug(m.group(2))
                n = seen.get(base, 0)
                seen[base] = n + 1
                found.add(base if n == 0 else f"{base}-{n}")
            found.update(HTML_ANCHOR.findall(line))
        cache[path] = found
    return cache[path]


def check(path):
    broken = []
    for number, line in lines_outside_fences(path):
        # inline code may hold text that looks like a link
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue
            file_part, _, anchor = target.partition("#")
            target_path = path if not file_part else os.path.normpath(os.path.join(os.path.dirname(path), file_part))
            if not os.path.exists(target_path):
                broken.append((number, target, f"no file {os.path.relpath(target_path, ROOT)}"))
                continue
            if anchor and target_path.endswith(".md") and anchor not in anchors(target_path):
                broken.append((number, target, f"no heading with anchor #{anchor} in {os.path.relpath(target_path, ROOT)}"))
    return broken


def main(argv):
    docs = os.path.join(ROOT, "docs")
    files = argv or ["README.md", "deploy/README.md"] + sorted(
        os.path.join("docs", f) for f in (os.listdir(docs) if os.path.isdir(docs) else []) if f.endswith(".md"))
    failed = 0
    for name in files:
        path = os.path.join(ROOT, name) if not os.path.isabs(name) else name
        for number, target, why in check(path):
            print(f"{os.path.relpath(path, ROOT)}:{number}: ({target}): {why}")
            failed += 1
    print(f"{failed} broken link(s) in {len(files)} file(s)" if failed else f"every link resolves in {len(files)} file(s)",
          file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
