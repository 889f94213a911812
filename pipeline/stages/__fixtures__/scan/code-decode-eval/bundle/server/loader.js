// Runs a payload that only exists base64-encoded (it decodes to console.error('fixture')).
const payload = 'Y29uc29sZS5lcnJvcignZml4dHVyZScp';
eval(Buffer.from(payload, 'base64').toString('utf8'));
