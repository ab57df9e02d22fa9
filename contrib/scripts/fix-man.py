#!/usr/bin/python3
"""Makes the man page the argument parser generates render without warnings (groff -mandoc -ww):

- each discussion's indented lines (examples, the environment table) become literal displays (.Bd -literal), so
  that a long example is not wrapped in the middle of a word;
- blank lines between paragraphs become .Pp;
- the exit-status table leaves DESCRIPTION for the EXIT STATUS section, as a tagged list (the generator writes
  only ".Ex -std" there, which says nothing but "0 on success, >0 if an error occurs").

- the footer names the program and its version (.Os), as `man` shows it at the bottom of the page.

  fix-man.py MANPAGE VERSION    rewrites MANPAGE in place
"""
import re
import sys

path, version = sys.argv[1], sys.argv[2]
lines = open(path).read().split("\n")
out = []
exit_rows = []
in_exit = False
in_display = False


def close_display():
    global in_display
    if in_display:
        out.append(".Ed")
        in_display = False


for line in lines:
    if line == "EXIT STATUS:":
        close_display()
        in_exit = True
        continue
    if in_exit:
        row = re.match(r"^  (\d+)\s+(.*)$", line)
        if row:
            exit_rows.append([row.group(1), row.group(2)])
            continue
        if line.startswith("    ") and exit_rows:  # a row's text wrapped onto the next line
            exit_rows[-1][1] += " " + line.strip()
            continue
        if line == "":
            continue
        in_exit = False
    if line.startswith("  ") and not line.startswith("."):
        if not in_display:
            if out and out[-1] == ".Pp":
                out.pop()
            out.append(".Bd -literal -offset indent")
            in_display = True
        out.append(line[2:])
        continue
    close_display()
    if line == "":
        # A paragraph break, where one is allowed: not twice, not before a macro that starts its own block.
        if out and not out[-1].startswith((".Sh", ".Ss", ".Pp", ".Bl", ".It", ".El")):
            out.append(".Pp")
        continue
    if line.startswith((".Sh", ".Ss", ".It", ".El", ".Bl")) and out and out[-1] == ".Pp":
        out.pop()
    if line == ".Os":
        out.append(".Os codex-credential-helper " + version)
        continue
    if line == ".Ex -std" and exit_rows:
        out.append(".Bl -tag -width 3n -compact")
        for status, text in exit_rows:
            out.append(".It " + status)
            out.append(text)
        out.append(".El")
        continue
    out.append(line)
close_display()
while out and out[-1] in ("", ".Pp"):
    out.pop()
open(path, "w").write("\n".join(out) + "\n")
