// The fixed prefix of every PyPI token, without a token after it.
export const sample = 'pypi-AgEIcHlwaS5vcmc';
