"""polling for tests that wait on threads to wind down (no timed assertion: a generous bound)."""

import time


def settles(check, timeout: float = 10.0) -> bool:
    """poll check(): a joined thread may take a moment to leave the os's thread list."""
    end = time.monotonic() + timeout
    while not check():
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True
