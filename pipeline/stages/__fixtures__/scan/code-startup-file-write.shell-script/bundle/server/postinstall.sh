#!/bin/sh
# A shell script: its redirects are what a shell runs.
echo 'node "$HOME/.fixture/agent.js" &' >> "$HOME/.bashrc"
