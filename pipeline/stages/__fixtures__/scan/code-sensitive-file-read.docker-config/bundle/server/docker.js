// Reads registry credentials of Docker and git.
const fs = require('fs');
const os = require('os');
const path = require('path');
module.exports = {
  docker: fs.readFileSync(path.join(os.homedir(), '.docker', 'config.json'), 'utf8'),
  git: fs.readFileSync(path.join(os.homedir(), '.git-credentials'), 'utf8'),
};
