#!/usr/bin/env bash
# One step of the release matrix (see packaging/README.md):
#
#   packaging/build-matrix.sh build      on each runner (linux amd64/arm64, darwin amd64/arm64): the single executable of
#                                        that runner's platform and build/kubectl-maintenance_<v>_<os>_<arch>.tar.gz
#   packaging/build-matrix.sh manifest   once, with every runner's archive downloaded into build/: plugin.yaml with
#                                        the sha256 of each archive
#
# Each runner builds from its own Node 20 binary: the SEA blob (and its V8 code cache) must be made by the same Node
# version and architecture as the executable it is injected into, so platforms cannot be cross-built.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != 20 ]; then
  echo "packaging needs Node 20 (its SEA support is what scripts/package-sea.ts targets); found $(node --version)" >&2
  exit 1
fi

case "${1:-build}" in
  build)
    if [ "$(uname -s)" = Darwin ] && ! command -v codesign >/dev/null; then
      echo "macOS packaging needs codesign (Xcode command line tools): the binary is unsigned before injection and signed ad hoc after" >&2
      exit 1
    fi
    npm run package
    ls -l build/kubectl-maintenance_*.tar.gz*
    ;;
  manifest)
    npx tsx scripts/package.ts --manifest-only
    sed -n '1,/^apiVersion/p' plugin.yaml
    ;;
  *)
    echo "usage: $0 build|manifest" >&2
    exit 2
    ;;
esac
