#!/bin/sh
# Runs every test binary given, keeps going after a failure, prints one
# closing line "N passed, N failed" (counting Check's test cases) and exits
# non-zero when anything failed.
passed=0; failed=0; bad=""
for t in "$@"; do
    out=$(CK_FORK=yes "$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks:|Failures|Errors|^[^ ]+:[0-9]+:[EF]:' | head -40
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+%: Checks: [0-9]+' | tail -1)
    if [ -n "$line" ]; then
        n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
        f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2/' | awk '{print $1+$2}')
        passed=$((passed + n - f)); failed=$((failed + f))
    fi
    if [ $rc -ne 0 ]; then
        [ -z "$line" ] && { failed=$((failed + 1)); printf '%s\n' "$out" | tail -20; }
        bad="$bad $(basename "$t")"
    fi
done
[ -n "$bad" ] && echo "failing:$bad"
echo "$passed passed, $failed failed"
[ -z "$bad" ]
