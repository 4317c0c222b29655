#!/bin/bash
# The bash completion offers the tools' real verbs and options.
# usage: completion.sh COMPLETION_SCRIPT TOOLS_BUILD_DIR
set -u
# shellcheck disable=SC1090
source "$1"
PATH=$2:$PATH
# shellcheck source=../cli/completion-lib.sh
. "$(dirname "$0")/../cli/completion-lib.sh"

want "info version" volt ""
want "version" volt ver
want "--root --json --log-level --help --version" volt --
want "--json --help" volt info --
want "info" volt --root /tmp ""
want "error warning notice info debug" volt --log-level ""
want "--help --version" voltvm --
want "create start stop rm list logs exec run" volt container ""
want "validate show default learn" volt policy ""
want "import ls inspect tag rm" volt image ""
want "create start stop rm run list inspect logs" volt vm ""
want "vm" volt ""
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
