# Sourced by build-web.sh and size-floor.sh: the one pipeline every measured wasm goes through.
#   bindgen_opt IN.wasm OUTDIR NAME  ->  OUTDIR/NAME.js (glue) and OUTDIR/NAME.opt.wasm
# wasm-bindgen (the pinned CLI), then wasm-opt -Oz --converge from npm's binaryen (Debian's
# binaryen 108 emits wasm Chromium rejects). --converge repeats -Oz until the module stops
# shrinking: about 13 s more for about 1.5 KB gzipped.
bindgen_opt() {
  local in=$1 out=$2 name=$3
  wasm-bindgen --target no-modules --no-typescript --out-dir "$out" --out-name "$name" "$in"
  node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    "$out/${name}_bg.wasm" -o "$out/$name.opt.wasm"
}
