#!/usr/bin/env bash
# Install the Deno Jupyter kernel the notebooks use (kernel name "deno", TypeScript).
#
#   bash notebooks/kernel.sh              # user install: ~/.local/share/jupyter/kernels/deno (via `deno jupyter --install`)
#   bash notebooks/kernel.sh --dir DIR    # write DIR/kernels/deno/kernel.json only; then run Jupyter with JUPYTER_PATH=DIR
#   bash notebooks/kernel.sh --print-deno # print the Deno executable the kernel runs, and exit
#
# The Deno executable comes from the `deno` npm devDependency (node_modules), so no separate Deno install is needed.
# The kernel itself needs no network: it resolves the project's TypeScript and its npm packages from node_modules
# (see notebooks/deno.json).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The real binary, not the node wrapper (bin.cjs): Jupyter kills kernels with SIGKILL, which a wrapper would not forward.
find_deno() {
  local candidate
  for candidate in "$root/node_modules/deno/deno" "$root"/node_modules/@deno/*/deno; do
    if [ -f "$candidate" ] && [ -x "$candidate" ]; then
      echo "$candidate"
      return 0
    fi
  done
  if [ -e "$root/node_modules/.bin/deno" ]; then
    # npm may have skipped the package's postinstall: the wrapper resolves (and links) the binary on first use.
    "$root/node_modules/.bin/deno" --version >/dev/null 2>&1 || true
    if [ -x "$root/node_modules/deno/deno" ]; then
      echo "$root/node_modules/deno/deno"
      return 0
    fi
  fi
  echo "kernel.sh: no Deno executable under $root/node_modules (run \`npm ci\`; the \`deno\` devDependency provides it)" >&2
  return 1
}

mode="user"
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir)
      mode="dir"
      dir="${2:?kernel.sh: --dir needs a directory}"
      shift 2
      ;;
    --print-deno)
      mode="print"
      shift
      ;;
    -h | --help)
      sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "kernel.sh: unknown argument '$1' (expected --dir DIR, --print-deno or --help)" >&2
      exit 2
      ;;
  esac
done

deno="$(find_deno)"
case "$mode" in
  print)
    echo "$deno"
    ;;
  dir)
    mkdir -p "$dir/kernels/deno"
    cat >"$dir/kernels/deno/kernel.json" <<EOF
{
  "argv": ["$deno", "jupyter", "--kernel", "--conn", "{connection_file}"],
  "display_name": "Deno",
  "language": "typescript"
}
EOF
    echo "Deno kernelspec written to $dir/kernels/deno (use it with JUPYTER_PATH=$dir)"
    ;;
  user)
    # `deno jupyter --install` writes to the user's Jupyter data dir (~/.local/share/jupyter/kernels/deno on Linux).
    "$deno" jupyter --install --force
    echo "Open the notebooks with: jupyter lab notebooks/   (kernel: Deno)"
    ;;
esac
