// Decoded data run as a shell command.
const { execSync } = require('child_process');
const payload = 'ZWNobyBoaQ==';
module.exports = () => execSync(Buffer.from(payload, 'base64').toString());
