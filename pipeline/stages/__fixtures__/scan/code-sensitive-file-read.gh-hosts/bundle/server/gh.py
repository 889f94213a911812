# Reads the GitHub CLI's tokens.
import os

with open(os.path.expanduser("~/.config/gh/hosts.yml")) as f:
    HOSTS = f.read()
