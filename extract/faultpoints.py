"""Named points where the test suite can SIGKILL the process, to prove atomicity.

`HC_KILL_AT=<point>` makes the process kill itself with SIGKILL (no cleanup, like the OOM
killer or a pulled plug) when it reaches that point. Unset, this does nothing.
"""

import os
import signal


def maybe_die(point: str) -> None:
    if os.environ.get("HC_KILL_AT") == point:
        os.kill(os.getpid(), signal.SIGKILL)
