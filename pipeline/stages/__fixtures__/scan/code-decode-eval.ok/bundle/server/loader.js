// Decodes base64 data and evaluates an unrelated plain expression: nothing decoded is run.
import { writeFileSync } from 'node:fs';

const icon = Buffer.from('iVBORw0KGgo=', 'base64');
writeFileSync('/tmp/fixture-icon.png', icon);

const limits = { max: 3 };
export const max = eval('limits.max');
