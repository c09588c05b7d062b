# Shared by the viewer's tests (sourced, not a test itself): paths, checks of JSON output.
set -u
B=${HAKMEM_BUILD:?}
VIEW=$B/bin/hakmem-trace
GEN=$B/tests/viewer/gen_trace
T=${TEST_TMPDIR:-$(mktemp -d)}
fails=0

[ -x "$VIEW" ] || { echo "no $VIEW: run make"; exit 1; }
[ -x "$GEN" ] || { echo "no $GEN: run make"; exit 1; }

ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }

# truth FILE KEY: a value the generator printed ("culprit 123")
truth() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# jget FILE EXPR: a value out of a JSON document (EXPR in Python, on d)
jget() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v='"$2"'; print("" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1"; }

finish() {
    if [ "$fails" -eq 0 ]; then echo "all passed"; exit 0; fi
    echo "$fails failed"; exit 1
}
