# Sourced by build-web.sh, size-floor.sh and test-wasm.sh: the wasm toolchain and the one
# pipeline every measured wasm goes through. Run from the repository root.
#   ensure_wasm_tools                ->  the wasm32 target, and wasm-bindgen-cli (wasm-bindgen and
#                                        wasm-bindgen-test-runner) at exactly the crate's version
#   bindgen_opt IN.wasm OUTDIR NAME [TARGET]  ->  OUTDIR/NAME.js (glue; TARGET no-modules by
#                                        default, or web for an ES module) and OUTDIR/NAME.opt.wasm
# wasm-bindgen (the pinned CLI), then wasm-opt -Oz --converge from npm's binaryen (Debian's
# binaryen 108 emits wasm Chromium rejects). --converge repeats -Oz until the module stops
# shrinking: about 13 s more for about 1.5 KB gzipped.
ensure_wasm_tools() {
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
  local want have runner
  want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -1)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  runner=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
  if [ "$want" != "$have" ] || [ "$want" != "$runner" ]; then
    echo "installing wasm-bindgen-cli $want (found '${have:-none}')"
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

bindgen_opt() {
  local in=$1 out=$2 name=$3 target=${4:-no-modules}
  wasm-bindgen --target "$target" --no-typescript --out-dir "$out" --out-name "$name" "$in"
  node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$out/${name}_bg.wasm" -o "$out/$name.opt.wasm"
}
