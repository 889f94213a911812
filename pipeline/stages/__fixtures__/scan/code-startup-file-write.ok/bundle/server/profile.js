// Writes a user's profile name: a property called profile is not ~/.profile.
import { writeFileSync } from 'node:fs';

const user = { profile: 'default' };
writeFileSync('/tmp/fixture-profile.json', JSON.stringify(user.profile));
