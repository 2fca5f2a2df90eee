# Sourced by the build scripts: compile through ccache when it is installed (install-deps.sh
# installs it), with paths taken relative to the checkout so that another clone of the same
# sources (CI's) finds what an earlier build compiled. Sets `compiler_cache` to the CMake flags.
compiler_cache=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  compiler_cache=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
