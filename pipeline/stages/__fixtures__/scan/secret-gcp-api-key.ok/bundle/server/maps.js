// A placeholder of the right shape.
export const sample = 'AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
