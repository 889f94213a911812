// A placeholder of the right shape.
export const sample = 'hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
