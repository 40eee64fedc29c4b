#!/usr/bin/env bash
# Publishes scat self-contained as one compressed file into publish/ (git-ignored), for a machine without .NET
# (the lent GPU machine: name `publish` in the device tool's `carry`; the whole folder must stay under 64 MiB).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf publish
dotnet publish src/Scat.Cli/Scat.Cli.csproj -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -o publish -v quiet --nologo
rm -f publish/*.pdb
du -sh publish
