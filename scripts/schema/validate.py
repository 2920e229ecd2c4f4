#!/usr/bin/env python3
"""Validate experiment files against seqtrain's JSON Schema with Python's `jsonschema` (a second
opinion on the test suite's own validator; not needed by the build or the tests).

    swift build && .build/debug/seqtrain schema > /tmp/seqtrain.schema.json
    python3 scripts/schema/validate.py /tmp/seqtrain.schema.json configs/*.yaml
"""
import json
import sys

import jsonschema
import yaml


def main():
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = 0
    for path in sys.argv[2:]:
        errors = list(validator.iter_errors(yaml.safe_load(open(path))))
        print(f"{path}: {'ok' if not errors else 'INVALID'}")
        for error in errors:
            print(f"  {'.'.join(map(str, error.absolute_path))}: {error.message[:200]}")
        failed += bool(errors)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
