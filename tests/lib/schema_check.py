#!/usr/bin/python3
"""schema_check.py SCHEMA FILE -- check every line of FILE (JSON Lines, as
--format json and jsonl write them) against the JSON Schema SCHEMA
(doc/report.schema.json), with Debian's python3-jsonschema.  Prints each
violation with its line number and exits 1 if there is any, 2 on bad
input, 0 when every line is valid; also fails on an empty FILE, so a test
cannot pass by checking nothing."""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("schema_check: python3-jsonschema is not installed "
          "(scripts/deps installs it)", file=sys.stderr)
    sys.exit(2)


def main():
    if len(sys.argv) != 3:
        print("usage: schema_check.py SCHEMA FILE", file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=jsonschema.FormatChecker())
    bad = checked = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except ValueError as e:
                print(f"line {number}: not JSON: {e}")
                bad += 1
                continue
            checked += 1
            for err in validator.iter_errors(doc):
                where = "/".join(str(p) for p in err.absolute_path)
                print(f"line {number} ({doc.get('type')}) at /{where}: "
                      f"{err.message}")
                bad += 1
    if checked == 0:
        print("schema_check: no JSON line to check")
        return 1
    print(f"schema_check: {checked} lines, {bad} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
