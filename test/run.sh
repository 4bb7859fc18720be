#!/usr/bin/env bash
# The test command (npm test). Runs every test file with node's test runner through tsx.
# Pass file paths to run a subset: npm test -- test/core/queue.test.ts
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
if [ "$#" -gt 0 ]; then files=("$@"); else files=(test/**/*.test.ts); fi
# The usual reporter (spec on a terminal, tap otherwise) plus one that lists skipped groups and why.
if [ -t 1 ]; then reporter=spec; else reporter=tap; fi
exec node --import tsx --test --test-reporter="$reporter" --test-reporter-destination=stdout \
  --test-reporter=./test/support/skip-reporter.mjs --test-reporter-destination=stdout --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout="${TEST_TIMEOUT_MS:-300000}" "${files[@]}"
