// A placeholder long enough to look like a project key.
export const sample = 'sk-proj-your-api-key-here-your-api-key-here-your-api-key-here-';
