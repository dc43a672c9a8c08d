#!/usr/bin/env python3
"""Sizes per module of a linked binary, from the GNU ld map file of its link
(`-Xlinker -Map=FILE`): one JSON line per module, largest first, in the format of k3s-bench.

Usage: scripts/binary-size.py MAP [--top N]

A module is the SwiftPM target whose `NAME.build/` folder holds the object file, or the static
library (`libswiftCore.a`, ...) it came from. Only sections loaded at run time count (no
`.debug*`, symbol or string tables), so the sum is close to the stripped binary's size.
"""
import collections
import json
import re
import sys

def module_of(path):
    archive = re.search(r'/(lib[^/()]+)\.a\(', path)
    if archive:
        return archive.group(1)
    build = re.search(r'/([^/]+)\.build/', path)
    if build:
        return build.group(1)
    return path.rsplit('/', 1)[-1]

def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 40
    sizes = collections.Counter()
    section = None
    pending = None
    entry = re.compile(r'^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*\.o\)?)\s*$')
    with open(sys.argv[1], errors='replace') as lines:
        for line in lines:
            if line and not line[0].isspace():
                name = line.split()[0] if line.split() else ''
                section = name if name.startswith('.') or name.startswith('swift5') else section
                continue
            match = entry.match(line)
            if not match:
                parts = line.split()
                # A long input-section name sits alone on its line; its numbers follow.
                pending = parts[0] if len(parts) == 1 else None
                if len(parts) >= 4 and parts[1].startswith('0x') and parts[2].startswith('0x') and parts[-1].endswith(('.o', '.o)')):
                    match = re.match(r'^\s+\S+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$', line)
                if not match:
                    continue
            if section is None or section.startswith(('.debug', '.comment', '.symtab', '.strtab', '.shstrtab', '.note.gnu.gold')):
                continue
            size = int(match.group(2), 16)
            if size:
                sizes[module_of(match.group(3))] += size
    total = sum(sizes.values())
    for module, size in sizes.most_common(top):
        print(json.dumps({"suite": "size", "backend": "linker-map", "name": "module_mib", "module": module,
                          "value": round(size / 2**20, 3), "unit": "MiB"}))
    print(json.dumps({"suite": "size", "backend": "linker-map", "name": "sections_total_mib", "modules": len(sizes),
                      "value": round(total / 2**20, 3), "unit": "MiB"}))

if __name__ == '__main__':
    main()
