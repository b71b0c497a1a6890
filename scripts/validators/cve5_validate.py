"""Validate a CVE JSON 5.x record (or a bare CNA container) against the official bundled schema.

Usage: cve5_validate.py FILE [--kind auto|record|cna|cna-rejected|adp] [--no-format] [--schema PATH]
Exit 0 valid, 1 invalid, 2 usage error.  Format checks (date, uri, ...) are on by default.
"""
import argparse, json, os, sys
from jsonschema import Draft7Validator, FormatChecker

SCHEMAS = os.path.join(os.environ.get("SCHEMAS_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "schemas")), "cve")
FILES = {
    "record": "CVE_JSON_bundled_5.1.1.json",
    "cna": "CVE_JSON_cnaPublishedContainer_5.1.1.json",
    "cna-rejected": "CVE_JSON_cnaRejectedContainer_5.1.1.json",
    "adp": "CVE_JSON_adpContainer_5.1.1.json",
}

ap = argparse.ArgumentParser()
ap.add_argument("file")
ap.add_argument("--kind", default="auto", choices=["auto"] + list(FILES))
ap.add_argument("--no-format", action="store_true", help="skip 'format' assertions (uri, date-time...)")
ap.add_argument("--schema", help="override schema path")
a = ap.parse_args()
try:
    doc = json.load(open(a.file, encoding="utf-8"))
except Exception as e:
    print(f"INVALID: {a.file}: not JSON: {e}", file=sys.stderr); sys.exit(1)
kind = a.kind
if kind == "auto":
    kind = "record" if isinstance(doc, dict) and ("dataType" in doc or "cveMetadata" in doc) else "cna"
schema_path = a.schema or os.path.join(SCHEMAS, FILES[kind])
schema = json.load(open(schema_path, encoding="utf-8"))
v = Draft7Validator(schema, format_checker=None if a.no_format else FormatChecker())
errs = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
if errs:
    def leaves(e):
        if not e.context:
            yield e
        for c in e.context or []:
            yield from leaves(c)
    seen = set(); out = []
    for e in errs:
        for l in sorted(leaves(e), key=lambda l: -len(l.absolute_path)):
            key = ("/" + "/".join(map(str, l.absolute_path)), l.message[:200])
            if key not in seen:
                seen.add(key); out.append(key)
    # oneOf alternatives produce noise; deepest paths first are usually the real cause
    out.sort(key=lambda k: -k[0].count("/"))
    for path, msg in out[:12]:
        print(f"ERROR {path}: {msg}", file=sys.stderr)
    print(f"INVALID: {a.file} ({len(errs)} top-level error(s), {len(out)} leaf error(s) against {os.path.basename(schema_path)})", file=sys.stderr)
    sys.exit(1)
print(f"VALID: {a.file} ({kind}, {os.path.basename(schema_path)})")
