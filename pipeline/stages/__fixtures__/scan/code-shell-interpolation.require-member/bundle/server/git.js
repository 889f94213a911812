// The module required in place, and a renamed import.
const { exec: run } = require('child_process');
module.exports = {
  log: (ref) => require("child_process").execSync(`git log ${ref}`),
  show: (ref, done) => run('git show ' + ref, done),
};
