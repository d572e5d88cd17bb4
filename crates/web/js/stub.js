!function(w){var g=w.Guidepost=w.Guidepost||{};if(g.__loaded||g.__queue)return;var q=g.__queue=[],s=[].slice;
"init identify track page start end reset".split(" ").forEach(function(m){g[m]=function(){q.push([m,s.call(arguments)])}});
"debug pick validate".split(" ").forEach(function(m){g[m]=function(){var a=s.call(arguments);return new Promise(function(r){q.push([m,a,r])})}});
g.on=function(){var e=["on",s.call(arguments)];q.push(e);return function(){e.off=1;g.__unsub&&g.__unsub(e)}};
g.load=function(u){if(g.__src)return;g.__src=u;try{(g.__wasm=WebAssembly.compileStreaming(fetch(u.replace(/[^\/?#]*([?#].*)?$/,"guidepost_bg.wasm")))).catch(function(){})}catch(e){}
var d=document,t=d.createElement("script"),c=d.currentScript;t.async=!0;t.src=u;if(c&&c.nonce)t.nonce=c.nonce;(d.head||d.documentElement).appendChild(t)}}(window);
