#!/usr/bin/env python3
"""Doxygen input filter for include/wsched.h: the header's plain comments
become documentation. A comment block directly above a declaration (no blank
line between) documents it; a comment after code on the same line documents
that member; other comments (section rules and titles, the file's notes)
stay plain. Line numbers are kept."""
import re
import sys


def main(path):
    lines = open(path).read().split("\n")
    out = list(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith("/*") and not stripped.startswith("/**"):
            j = i
            while "*/" not in lines[j]:
                j += 1
            following = lines[j + 1] if j + 1 < len(lines) else ""
            rule = re.match(r"/\* -+ \*/", stripped)
            if following.strip() and not following.lstrip().startswith("/*") and not rule \
                    and not following.startswith("#ifndef"):
                out[i] = line.replace("/*", "/**", 1)
            i = j + 1
            continue
        m = re.match(r"(.*\S.*?)(\s*)/\* (.*)$", line)
        if m and not m.group(1).lstrip().startswith("*"):
            out[i] = f"{m.group(1)}{m.group(2)}/**< {m.group(3)}"
        i += 1
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
