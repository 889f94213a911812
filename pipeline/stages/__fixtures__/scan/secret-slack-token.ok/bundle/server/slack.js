// Slack's documentation sample.
export const sample = 'xoxb-not-a-real-token-this-will-not-work';
