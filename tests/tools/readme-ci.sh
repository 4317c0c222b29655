#!/bin/sh
# CI must prove that a fresh machine can follow the README: the test
# command in README.md and the one in .ci/run are the same line.
set -eu
top=$1
cmd='./scripts/install-deps && ./scripts/run-tests'
grep -qxF "$cmd" "$top/README.md" || { echo "FAIL: README.md lacks the line: $cmd"; exit 1; }
grep -qxF "$cmd" "$top/.ci/run" || { echo "FAIL: .ci/run does not run: $cmd"; exit 1; }
echo "README and .ci/run agree: $cmd"
