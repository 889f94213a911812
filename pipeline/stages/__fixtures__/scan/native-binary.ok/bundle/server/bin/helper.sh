#!/bin/sh
# ELF binaries are built elsewhere; this is a script.
exec node "$(dirname "$0")/../index.js"
