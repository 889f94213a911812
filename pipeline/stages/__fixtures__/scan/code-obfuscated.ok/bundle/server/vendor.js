// Minified, not obfuscated: short names, hex literals.
var a=function(b,c){return b+c},d=0x1f2e,e=0xabcdef,f=[0x10,0x20,0x30];function g(h){return h.map(function(i){return a(i,d)})}export{g};
