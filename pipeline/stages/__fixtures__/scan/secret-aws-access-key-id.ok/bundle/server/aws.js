// The AWS documentation's own sample key pair: not a live key.
export const sample = 'AKIAIOSFODNN7EXAMPLE';
export const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
