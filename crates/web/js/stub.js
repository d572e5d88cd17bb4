!function(w){var g=w.Guidepost=w.Guidepost||{},d=document,n=(d.currentScript||{}).nonce,s=[].slice,q;
var l=location,t,r=l.hash.replace(/([#?&])guidepost-design=(\w+)&?/,function(_,a,k){t=g.__design=k;return a}).replace(/[?#&]$/,"");if(t)try{history.replaceState(history.state,"",l.href.split("#")[0]+r)}catch(e){}
g.load=g.load||function(u){if(g.__src||g.__loaded)return;g.__src=u;try{var W=w.WebAssembly;if(W&&W.compileStreaming)(g.__wasm=fetch(u.replace(/[^\/?#]*([?#].*)?$/,"guidepost_bg.wasm")).then(function(r){return r.ok&&/^application\/wasm/.test(r.headers.get("content-type"))?W.compileStreaming(r):r})).catch(function(){});
var t=d.createElement("script");t.async=!0;t.src=u;if(n)t.nonce=n;(d.head||d.documentElement).appendChild(t)}catch(e){}};if(g.__loaded||g.__queue)return;q=g.__queue=[];
"init identify track page start end reset".split(" ").forEach(function(m){g[m]=function(){q.push([m,s.call(arguments)])}});
"debug pick validate".split(" ").forEach(function(m){g[m]=function(){var a=s.call(arguments);return new Promise(function(r){q.push([m,a,r])})}});
g.on=function(){var e=["on",s.call(arguments)];q.push(e);return function(){e.off=1;g.__unsub&&g.__unsub(e)}}}(window);
