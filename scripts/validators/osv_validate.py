"""Validate OSV records against ossf/osv-schema validation/schema.json (JSON Schema 2020-12).

Usage: osv_validate.py FILE [FILE...] [--no-format] [--schema PATH]
FILE may be .json or .yaml/.yml (PyPA advisory-database style); a JSON array of records is accepted.
Exit 0 if every record is valid, 1 otherwise.
"""
import argparse, json, os, sys
from jsonschema import FormatChecker
from jsonschema.validators import validator_for

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--no-format", action="store_true")
ap.add_argument("--schema", default=os.path.join(os.environ.get("SCHEMAS_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "schemas")), "osv", "schema.json"))
ap.add_argument("--quiet", action="store_true", help="only print failures and a summary")
a = ap.parse_args()
schema = json.load(open(a.schema, encoding="utf-8"))
V = validator_for(schema)
V.check_schema(schema)
v = V(schema, format_checker=None if a.no_format else FormatChecker())

bad = good = 0
for f in a.files:
    try:
        if f.endswith((".yaml", ".yml")):
            import yaml
            docs = [yaml.safe_load(open(f, encoding="utf-8"))]
            # YAML timestamps -> strings, as the OSV JSON export would have them
            docs = json.loads(json.dumps(docs, default=lambda o: o.isoformat().replace("+00:00", "Z")))
        else:
            d = json.load(open(f, encoding="utf-8"))
            docs = d if isinstance(d, list) else [d]
    except Exception as e:
        print(f"INVALID: {f}: cannot parse: {e}", file=sys.stderr); bad += 1; continue
    for i, d in enumerate(docs):
        errs = sorted(v.iter_errors(d), key=lambda e: list(e.absolute_path))
        label = f"{f}" + (f"[{i}]" if len(docs) > 1 else "")
        if errs:
            bad += 1
            for e in errs[:20]:
                print(f"ERROR {label} /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}", file=sys.stderr)
            print(f"INVALID: {label} ({len(errs)} error(s))", file=sys.stderr)
        else:
            good += 1
            if not a.quiet:
                print(f"VALID: {label} ({d.get('id')})")
if len(a.files) > 1 or a.quiet:
    print(f"{good} valid, {bad} invalid")
sys.exit(1 if bad else 0)
