// A placeholder.
export const sample = 'sk-ant-api03-your-key-here';
