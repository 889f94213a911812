// A placeholder of the right shape.
export const sample = 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx';
