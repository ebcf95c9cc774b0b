#!/usr/bin/env python3
# Runs a command and succeeds only if it exits with the expected status:
#   exit-code.py STATUS COMMAND [ARGS...]
# Its output is passed through, so tests can pipe it into FileCheck.
import subprocess
import sys

expected = int(sys.argv[1])
status = subprocess.call(sys.argv[2:])
if status != expected:
    sys.stderr.write("exit-code.py: expected exit status %d, got %d\n"
                     % (expected, status))
    sys.exit(1)
