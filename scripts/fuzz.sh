#!/bin/sh
# Builds every tests/fuzz/fuzz_*.c as a libFuzzer target (clang, ASan+UBSan)
# into build-fuzz/, seeds its corpus from tests/data, the bundled roster and
# tests/fuzz/NAME/ (inputs that once failed: keep them as regressions), uses
# tests/fuzz/NAME.dict when present, and runs each for ${1:-60} seconds.
# Crashes land in build-fuzz/NAME-crashes/; the exit status is non-zero then.
# FUZZ_ONLY=NAME runs one target; FUZZ_CC picks the compiler (clang).
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
CC=${FUZZ_CC:-clang}
out=build-fuzz
mkdir -p "$out"

# One source list for every target: the library without main.c, plus the
# bundled roster blob, compiled once into an archive so a target only pulls
# in the objects it uses.
objflags="-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. \
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
  $(pkg-config --cflags libcjson libpcre2-8 sqlite3 libwebsockets libcurl 2>/dev/null)"
linkflags="-fsanitize=fuzzer,address,undefined"
libs="$(pkg-config --libs libcjson libpcre2-8 sqlite3 libwebsockets libcurl 2>/dev/null) -lpthread -lm"
objs=""
for f in $(find chatbot commands adapters -name '*.c' | sort) chatbot/roster/roster_blob.S; do
    [ -e "$f" ] || continue
    [ "$f" = chatbot/host/main.c ] && continue
    o="$out/obj/$(echo "$f" | tr / _).o"
    mkdir -p "$out/obj"
    if [ ! -e "$o" ] || [ "$f" -nt "$o" ] || [ -n "$(find chatbot commands adapters -newer "$o" \( -name '*.h' -o -name '*.md' \) 2>/dev/null | head -1)" ]; then
        # shellcheck disable=SC2086
        $CC $objflags -c -o "$o" "$f"
    fi
    objs="$objs $o"
done
rm -f "$out/libgovbot-fuzz.a"
# shellcheck disable=SC2086
ar rcs "$out/libgovbot-fuzz.a" $objs

status=0
for target in tests/fuzz/fuzz_*.c; do
    [ -e "$target" ] || continue
    name=$(basename "$target" .c)
    # FUZZ_ONLY=fuzz_roster runs just that target
    if [ -n "${FUZZ_ONLY:-}" ] && [ "$name" != "$FUZZ_ONLY" ]; then
        continue
    fi
    echo "fuzz: building $name"
    # shellcheck disable=SC2086
    $CC $objflags $linkflags -o "$out/$name" "$target" "$out/libgovbot-fuzz.a" $libs
    corpus="$out/$name-corpus"
    crashes="$out/$name-crashes"
    mkdir -p "$corpus" "$crashes"
    cp chatbot/roster/persons_of_interest.md "$corpus/seed-bundled.md"
    for d in tests/data/*; do
        [ -f "$d" ] && cp "$d" "$corpus/seed-$(basename "$d")"
    done
    if [ -d "tests/fuzz/$name" ]; then
        cp tests/fuzz/"$name"/* "$corpus/" 2>/dev/null || true
    fi
    dict=""
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    echo "fuzz: running $name for ${secs}s"
    # shellcheck disable=SC2086
    if ! "./$out/$name" $dict -max_total_time="$secs" -max_len=65536 -timeout=10 \
        -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" 2>"$out/$name.log"; then
        status=1
        echo "fuzz: $name FAILED; see $out/$name.log and $crashes/"
        tail -40 "$out/$name.log"
    else
        grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$out/$name.log" || true
        echo "fuzz: $name ok"
    fi
done
exit $status
