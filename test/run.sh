#!/usr/bin/env bash
# The test command (npm test). Runs every test file with node's test runner through tsx.
# Pass file paths to run a subset: npm test -- test/core/queue.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
if [ "$#" -gt 0 ]; then files=("$@"); else files=(test/**/*.test.ts); fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" "${files[@]}"
