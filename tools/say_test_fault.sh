#!/usr/bin/env bash
# After a crashed test run (make test): the crashing thread's Python stack first, then every thread's.
# conftest.py points faulthandler at this file (SANE_TEST_FAULTS); a CI log that keeps only the start
# and the end of a long output lost the crashing thread's stack in the middle of the others (stop 69).
faults="${1:?the fault file}"
[ -s "$faults" ] || exit 0
echo "the test run crashed; the crashing thread (faulthandler):"
sed -n '/^Current thread/,/^$/p' "$faults" | head -80
echo "every thread's stack:"
head -c 20000 "$faults"
