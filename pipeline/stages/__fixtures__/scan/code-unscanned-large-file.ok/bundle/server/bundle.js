// A small bundle: scanned in full.
export const answer = 42;
