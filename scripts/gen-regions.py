#!/usr/bin/env python3
"""Writes config/regions/vietnam.toml, the national two-level map, from the JSON that the
Python package `vietnam-provinces` ships (its data comes from the General Statistics Office's
list of administrative units in force since 1 July 2025).

    pip download vietnam-provinces==2025.10.1 --no-deps -d /tmp/vp
    unzip -o /tmp/vp/vietnam_provinces-*.whl -d /tmp/vp
    scripts/gen-regions.py /tmp/vp/vietnam_provinces/data/nested-divisions.json

Only codes and names are taken. The grouping of provinces into the North, Central and South
regions that parcel carriers price by is ours, below.
"""
import json
import sys

# Provinces by the region carriers price delivery by (after the July 2025 mergers).
NORTH = [1, 4, 8, 11, 12, 14, 15, 19, 20, 22, 24, 25, 31, 33, 37]
CENTRAL = [38, 40, 42, 44, 46, 48, 51, 52, 56, 66, 68]
SOUTH = [75, 79, 80, 82, 86, 91, 92, 96]


def region(code):
    for name, members in (("north", NORTH), ("central", CENTRAL), ("south", SOUTH)):
        if code in members:
            return name
    raise SystemExit(f"province {code} has no region")


def q(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(path):
    provinces = json.load(open(path, encoding="utf-8"))
    out = [
        "# Vietnam's provinces and centrally-run cities (34) and their communes, wards and special",
        "# zones (3 321), in force since 1 July 2025, when districts were abolished.",
        "# Codes and names: the General Statistics Office's list of administrative units",
        "# (danhmuchanhchinh.gso.gov.vn), as shipped by the Python package vietnam-provinces",
        "# 2025.10.1 and converted by scripts/gen-regions.py.",
        "# `region`: the North, Central or South region that parcel carriers price delivery by.",
        "",
    ]
    total = 0
    for p in sorted(provinces, key=lambda p: p["code"]):
        out.append("[[provinces]]")
        out.append(f'code = "{p["code"]:02d}"')
        out.append(f"name = {q(p['name'])}")
        out.append(f'region = "{region(p["code"])}"')
        out.append("communes = [")
        for w in sorted(p["wards"], key=lambda w: w["code"]):
            out.append(f'  {{ code = "{w["code"]:05d}", name = {q(w["name"])} }},')
            total += 1
        out.append("]")
        out.append("")
    if len(provinces) != 34 or total != 3321:
        raise SystemExit(f"expected 34 provinces and 3321 communes, got {len(provinces)} and {total}")
    sys.stdout.write("\n".join(out).rstrip() + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
