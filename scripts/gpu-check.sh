#!/usr/bin/env bash
# One prepared run on a machine with an NVIDIA GPU (made to finish within 6 minutes on a
# fresh one with 16 cores): brings the Vulkan and EGL loaders where missing, runs the
# webgpu parity tests against the real adapter (a software adapter fails them), then
# bench:train's throughput on webgpu and on the wasm pool of the same machine, and prints
# one table: adapter, samples/s of each, ratio.
#
#   scripts/gpu-check.sh                   the real check; results go to bench/results/train.throughput.*
#   scripts/gpu-check.sh --allow-software  the same steps on Mesa's llvmpipe, with short trials and the
#                                          results in a temporary directory: a dry run of this script
#                                          on a machine without a GPU, never a GPU figure (10 minutes
#                                          on two cores, most of it llvmpipe on the larger proxy)
#
# Needs Node 20 and npm; node_modules is installed with `npm ci` when absent, and missing
# Debian packages with apt-get (as root), so a fresh machine needs the registry and the
# Debian mirror, or both already in place.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS

software=0
for arg in "$@"; do
  case "$arg" in
    --allow-software) software=1 ;;
    *) echo "usage: $0 [--allow-software]" >&2; exit 2 ;;
  esac
done

step() { printf '\n[gpu-check %3ds] %s\n' "$((SECONDS - started))" "$*"; }
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }

step "loaders"
packages=()
has_lib 'libvulkan.so.1' || packages+=(libvulkan1)
has_lib 'libEGL.so.1' || packages+=(libegl1)
if [ "$software" = 1 ]; then
  dpkg -s libegl-mesa0 libgles2 libgl1-mesa-dri >/dev/null 2>&1 || packages+=(libegl-mesa0 libgles2 libgl1-mesa-dri)
fi
if [ "${#packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${packages[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  else
    echo "missing ${packages[*]} and cannot install them (not root, or no apt-get)" >&2
  fi
fi

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  # Containers get the driver's Vulkan ICD manifest only with NVIDIA_DRIVER_CAPABILITIES
  # including `graphics`; where the driver library is there but its manifest is not, write it.
  if ! grep -qsl nvidia /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json && has_lib 'libGLX_nvidia.so.0'; then
    if [ "$(id -u)" = 0 ]; then
      mkdir -p /etc/vulkan/icd.d
      printf '{"file_format_version":"1.0.0","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3.0"}}\n' > /etc/vulkan/icd.d/nvidia_icd.json
      echo "wrote /etc/vulkan/icd.d/nvidia_icd.json"
    else
      echo "no NVIDIA Vulkan ICD manifest, and not root to write one" >&2
    fi
  fi
elif [ "$software" = 0 ]; then
  echo "no nvidia-smi: is this a GPU machine? (--allow-software for a dry run on llvmpipe)" >&2
fi

step "dependencies and build"
[ -d node_modules/webgpu ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json

step "webgpu parity tests"
export EGL_PLATFORM="${EGL_PLATFORM:-surfaceless}"
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
if [ "$software" = 1 ]; then export GRAPHNAS_REQUIRE_WEBGPU=1; else export GRAPHNAS_REQUIRE_WEBGPU=hardware; fi
tests_log=$(mktemp)
tests_ok=1
node scripts/run-tests.mjs backend/webgpu 2>&1 | tee "$tests_log" | grep -E '^# webgpu|^# (layers|cell):|✔|✖|ℹ (pass|fail)' || true
grep -q 'ℹ fail 0' "$tests_log" || tests_ok=0

step "bench:train throughput, wasm pool and webgpu"
if [ "$software" = 1 ]; then
  out=$(mktemp -d)
  bench_args=(--throughput-samples 128,256 --gpu-samples 128,256 --in-flight 1)
else
  out=bench/results
  bench_args=(--throughput-samples 1024,512 --gpu-samples 8192,4096 --in-flight 1,2,4)
fi
node dist/bench/train.js --throughput --backends wasm,webgpu --out "$out" "${bench_args[@]}" 2>&1 | grep -E '^\[bench:train' || true

step "result"
node - "$out/train.throughput.json" "$tests_ok" <<'EOF'
const [file, testsOk] = process.argv.slice(2);
const r = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
const f = (x, d = 1) => (x === undefined || x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));
console.log(`adapter: ${r.adapter ?? 'none'}`);
console.log(`machine: ${r.machine.cpus} × ${r.machine.model}; wasm pool: one worker per core; webgpu: gpuTrials ${r.defaultGpuTrials}`);
console.log('');
console.log('| proxy | wasm pool samples/s | webgpu samples/s | ratio | best webgpu |');
console.log('|---|---|---|---|---|');
for (const c of r.comparisons) {
  const best = c.bestWebgpu ? `${f(c.bestWebgpu.samplesPerSecond)} at ${c.bestWebgpu.inFlight} in flight` : '—';
  console.log(`| ${c.proxy} | ${f(c.wasmPool)} | ${f(c.webgpu)} | ${f(c.ratio, 2)} | ${best} |`);
}
const large = r.comparisons.find((c) => c.proxy === 'large');
console.log('');
console.log(`goal (large proxy, webgpu ≥ 10× the wasm pool): ${large?.ratio >= 10 ? 'met' : 'not met'} (${f(large?.ratio, 2)}×)`);
console.log(`parity tests: ${testsOk === '1' ? 'passed' : 'FAILED'}`);
console.log(`full table: ${file.replace(/\.json$/, '.md')}`);
EOF
step "done"
[ "$tests_ok" = 1 ]
