#!/usr/bin/env bash
# Runs the whole test suite in Release (warnings are errors). Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test ScatCli.sln -c Release "$@"
