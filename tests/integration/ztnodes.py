"""scripts/dev's scale-out commands on the test stack (docs/scale.md):
node2, sentinel and replica, each `up` in a module fixture and `down`
after it."""

import os
import subprocess


def dev(stack_var, dev_script, *args, timeout=180):
    """Run `scripts/dev ARGS` against the test stack; its stdout."""
    p = subprocess.run([dev_script, *args],
                       env=dict(os.environ, ZT_VAR=stack_var),
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout
