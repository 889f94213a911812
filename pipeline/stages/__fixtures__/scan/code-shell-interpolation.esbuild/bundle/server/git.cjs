"use strict";
// esbuild's CommonJS output.
var import_child_process = __toESM(require("child_process"));
function branch(name) {
  return import_child_process.execSync("git checkout " + name).toString();
}
module.exports = { branch };
