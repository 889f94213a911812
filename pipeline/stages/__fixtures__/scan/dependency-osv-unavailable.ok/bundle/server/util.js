// A bundle with no node_modules.
