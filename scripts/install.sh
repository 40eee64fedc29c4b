#!/usr/bin/env bash
# Packs the scat tool and installs it as a global dotnet tool (replacing an earlier install of it).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf artifacts/nupkg
dotnet pack src/Scat.Cli/Scat.Cli.csproj -c Release -o artifacts/nupkg -v quiet --nologo
dotnet tool uninstall --global ScatCli >/dev/null 2>&1 || true
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/scatcli"   # same version, new build: drop the cached package
dotnet tool install --global --add-source artifacts/nupkg ScatCli
