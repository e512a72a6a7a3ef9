"""What a piece of code leaves for the garbage collector: objects only reference cycles keep alive."""

import gc
from collections.abc import Callable


def left_for_the_collector(run: Callable[[], object], kinds: tuple[type, ...]) -> list[str]:
    """Names of the objects of `kinds` that `run()` left in reference cycles."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        return [type(o).__name__ for o in gc.garbage if issubclass(type(o), kinds)]  # type(): lazy objects stay lazy
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
