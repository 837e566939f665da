#!/bin/sh
# Runs every test binary given, keeps going after a failure, prints one
# closing line "N passed, N failed" (counting Check's test cases) and exits
# non-zero when anything failed.  Every failure's own lines (Check's
# file:line:F: message, or the tail of a binary that crashed) are printed
# again just before the closing line, so a log cut to its last lines (CI
# keeps only the tail) still says which case failed and why.
passed=0; failed=0; bad=""
why=$(mktemp); trap 'rm -f "$why"' EXIT
for t in "$@"; do
    out=$(CK_FORK=yes "$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks:|Failures|Errors|^[^ ]+:-?[0-9]+:[EFS]:' | head -40
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+' | tail -1)
    if [ -n "$line" ]; then
        n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/' | awk '{print $1+$2}')
        passed=$((passed + n - f)); failed=$((failed + f))
    fi
    if [ $rc -ne 0 ]; then
        name=$(basename "$t")
        if [ -z "$line" ]; then
            failed=$((failed + 1))
            printf '%s\n' "$out" | tail -20
            printf '%s\n' "$out" | tail -8 | sed "s|^|$name (no summary): |" >>"$why"
        else
            printf '%s\n' "$out" | grep -E '^[^ ]+:-?[0-9]+:[EFS]:' | cut -c1-600 |
                sed "s|^|$name: |" >>"$why"
        fi
        bad="$bad $name"
    fi
done
if [ -n "$bad" ]; then
    echo "---- what failed ----"
    cat "$why"
    echo "failing:$bad"
fi
echo "$passed passed, $failed failed"
[ -z "$bad" ]
