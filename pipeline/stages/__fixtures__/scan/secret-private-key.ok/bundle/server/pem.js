// Code that names the header, as PEM parsers do.
export const isKey = (pem) => pem.startsWith('-----BEGIN RSA PRIVATE KEY-----');
